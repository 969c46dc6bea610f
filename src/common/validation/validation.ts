import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

export interface FieldProblem {
  field: string;
  problems: string[];
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}

/**
 * Names class-validator's whitelist cannot see: it looks a field up in a plain object of
 * known properties, where "constructor", "toString" and the rest are found on
 * Object.prototype, so such a field counts as declared and is silently dropped.
 */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__']);

/** The path of the first field, at any depth, named like a property of Object.prototype. */
export function findPrototypeNamedField(value: unknown, parent = ''): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [name, child] of Object.entries(value)) {
    const field = parent ? `${parent}.${name}` : name;
    if (PROTOTYPE_NAMES.has(name)) return field;
    const nested = findPrototypeNamedField(child, field);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

function validationFailed(details: FieldProblem[]): DomainError {
  const summary = details.map((d) => `${d.field}: ${d.problems.join(', ')}`).join('; ');
  return new DomainError('VALIDATION_FAILED', summary || 'Invalid request', details);
}

/**
 * The one ValidationPipe: strips nothing silently (unknown fields are refused, whatever
 * their name), converts only where a DTO asks for it with @Type, and answers 400
 * VALIDATION_FAILED with every problem listed.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') {
      const field = findPrototypeNamedField(value);
      if (field !== undefined) throw validationFailed([{ field, problems: [`property ${field} should not exist`] }]);
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}
