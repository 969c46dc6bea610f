import { ParseUUIDPipe } from '@nestjs/common';
import { DomainError } from '../errors/domain-error';

/** Ids are UUIDs; anything else in a path is a malformed request (400), not a lookup. */
export const uuidParam = new ParseUUIDPipe({
  exceptionFactory: () => new DomainError('VALIDATION_FAILED', 'id must be a UUID', [{ field: 'id', problems: ['must be a UUID'] }]),
});
