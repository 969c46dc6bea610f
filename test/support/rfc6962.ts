import { createHash } from 'node:crypto';

/*
 * A second reading of RFC 6962 §2.1, written without src/audit/merkle.ts, for tests to check it
 * and the API's proofs against: MTH straight from its definition, and a verifier that rebuilds
 * the root by undoing PATH's recursion (PATH(m, D[n]) is the sub-path, then the sibling subtree).
 */

export const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();
const largestPowerOfTwoBelow = (n: number): number => 2 ** Math.floor(Math.log2(n - 1));

/** MTH(D[n]). */
export function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha256(Buffer.alloc(0));
  if (d.length === 1) return sha256(Buffer.concat([Buffer.from([0]), d[0]]));
  const k = largestPowerOfTwoBelow(d.length);
  return sha256(Buffer.concat([Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k))]));
}

/** The root that `path` makes of leaf `m` in a tree of `n` leaves; throws when the path has the wrong length. */
export function rootFromPath(leaf: Buffer, m: number, n: number, path: Buffer[]): Buffer {
  if (n === 1) {
    if (path.length !== 0) throw new Error('audit path too long');
    return mth([leaf]);
  }
  if (path.length === 0) throw new Error('audit path too short');
  const sibling = path[path.length - 1];
  const rest = path.slice(0, -1);
  const k = largestPowerOfTwoBelow(n);
  const pair = m < k ? [rootFromPath(leaf, m, k, rest), sibling] : [sibling, rootFromPath(leaf, m - k, n - k, rest)];
  return sha256(Buffer.concat([Buffer.from([1]), ...pair]));
}
