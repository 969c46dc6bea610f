import type { ValueTransformer } from 'typeorm';

/**
 * bigint columns arrive from `pg` as strings. Every amount we store is bounded by
 * MAX_FEN (far below 2^53), so a JS number is exact.
 */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
