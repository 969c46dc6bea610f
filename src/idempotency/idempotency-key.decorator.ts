import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/errors/domain-error';
import { parseIdempotencyKey } from './idempotency.rules';

/** The request's Idempotency-Key; a missing or malformed header is 400 VALIDATION_FAILED before anything runs. */
export const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const parsed = parseIdempotencyKey(context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key']);
  if ('problem' in parsed) {
    throw new DomainError('VALIDATION_FAILED', parsed.problem, [{ field: 'Idempotency-Key', problems: [parsed.problem] }]);
  }
  return parsed.key;
});
