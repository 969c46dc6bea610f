/**
 * Integer fen as yuan with two decimals ("1234.05", "-0.50"), exactly: by bigint arithmetic, so
 * the bigint text PostgreSQL returns for sums is formatted without passing through a float.
 */
export function fenToYuan(fen: number | string | bigint): string {
  if (typeof fen === 'number' && !Number.isSafeInteger(fen)) throw new RangeError(`not a whole number of fen: ${fen}`);
  const value = BigInt(fen);
  const sign = value < 0n ? '-' : '';
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / 100n}.${(magnitude % 100n).toString().padStart(2, '0')}`;
}
