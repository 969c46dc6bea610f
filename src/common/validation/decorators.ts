import { applyDecorators } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsDate, IsInt, Max, Min, MinDate } from 'class-validator';

/** The largest amount of money the API accepts anywhere: 100 billion yuan, in fen. */
export const MAX_FEN = 10_000_000_000_000;

/** An amount of money in integer fen, within [min, MAX_FEN]. */
export function IsFen(options: { min?: number; max?: number } = {}): PropertyDecorator {
  return applyDecorators(
    IsInt({ message: '$property must be an integer number of fen' }),
    Min(options.min ?? 0),
    Max(options.max ?? MAX_FEN),
  );
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 instant that names its offset ("2026-01-01T10:00:00+08:00" or "…Z").
 * A local time without an offset is ambiguous and refused.
 */
export function IsInstant(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => {
      if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) return value;
      const parsed = new Date(value);
      return Number.isNaN(parsed.getTime()) ? value : parsed;
    }),
    IsDate({ message: '$property must be an ISO 8601 date-time with an offset, e.g. 2026-01-01T10:00:00+08:00' }),
    MinDate(new Date('2000-01-01T00:00:00Z')),
  );
}

/** An integer query parameter (query strings arrive as text). */
export function QueryInt(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Type(() => String),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value)),
    IsInt(),
    Min(min),
    Max(max),
  );
}
