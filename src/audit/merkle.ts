import { createHash } from 'node:crypto';

/*
 * The Merkle tree of RFC 6962 §2.1 (Certificate Transparency), over SHA-256:
 *   MTH({})     = SHA-256()
 *   MTH({d0})   = SHA-256(0x00 ‖ d0)
 *   MTH(D[n])   = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two < n
 * The distinct leaf and node prefixes keep a leaf from passing for an inner node. Leaves here
 * are the 32 bytes of an event's hash (or of a sealed row's hash), not their hex text.
 */

const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The root of a tree without leaves: SHA-256 of nothing. */
export const EMPTY_TREE_ROOT = sha256();

export const leafHash = (leaf: Buffer): Buffer => sha256(LEAF_PREFIX, leaf);
export const nodeHash = (left: Buffer, right: Buffer): Buffer => sha256(NODE_PREFIX, left, right);

/** The largest power of two smaller than n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes [start, end), recursively as the RFC defines it. */
function subtreeHash(leafHashes: readonly Buffer[], start: number, end: number): Buffer {
  if (end - start === 1) return leafHashes[start];
  const k = splitPoint(end - start);
  return nodeHash(subtreeHash(leafHashes, start, start + k), subtreeHash(leafHashes, start + k, end));
}

/**
 * The root of a tree built one leaf at a time, keeping only O(log n) hashes: the roots of
 * the perfect subtrees the leaves so far decompose into (largest first), which are exactly
 * the subtrees MTH's split at powers of two produces. Lets a root over millions of rows be
 * computed while they stream past.
 */
export class MerkleRootBuilder {
  private readonly peaks: Array<{ hash: Buffer; leaves: number }> = [];
  private count = 0;

  /** Adds the next leaf (its data; the 0x00 leaf hash is taken here). */
  push(leaf: Buffer): void {
    let peak = { hash: leafHash(leaf), leaves: 1 };
    while (this.peaks.length > 0 && this.peaks[this.peaks.length - 1].leaves === peak.leaves) {
      const left = this.peaks.pop() as { hash: Buffer; leaves: number };
      peak = { hash: nodeHash(left.hash, peak.hash), leaves: left.leaves * 2 };
    }
    this.peaks.push(peak);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** MTH of the leaves pushed so far; more may be pushed afterwards. */
  root(): Buffer {
    if (this.peaks.length === 0) return EMPTY_TREE_ROOT;
    let hash = this.peaks[this.peaks.length - 1].hash;
    for (let i = this.peaks.length - 2; i >= 0; i--) hash = nodeHash(this.peaks[i].hash, hash);
    return hash;
  }
}

/** MTH of these leaves. */
export function merkleRoot(leaves: Iterable<Buffer>): Buffer {
  const builder = new MerkleRootBuilder();
  for (const leaf of leaves) builder.push(leaf);
  return builder.root();
}

/**
 * The audit path PATH(m, D[n]) of RFC 6962 §2.1.1: the sibling subtree hashes from the leaf
 * up to the root, the leaf's own side first.
 *   PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])      for m < k
 *   PATH(m, D[n]) = PATH(m - k, D[k:n]) : MTH(D[0:k])  for m ≥ k
 */
export function inclusionProof(leaves: readonly Buffer[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf ${index} is not in a tree of ${leaves.length}`);
  }
  const leafHashes = leaves.map(leafHash);
  const path: Buffer[] = [];
  const walk = (m: number, start: number, end: number): void => {
    if (end - start === 1) return;
    const k = splitPoint(end - start);
    if (m < k) {
      walk(m, start, start + k);
      path.push(subtreeHash(leafHashes, start + k, end));
    } else {
      walk(m - k, start + k, end);
      path.push(subtreeHash(leafHashes, start, start + k));
    }
  };
  walk(index, 0, leaves.length);
  return path;
}

/**
 * Whether `path` proves `leaf` is leaf `index` of the tree of `size` leaves whose root is
 * `root`: the verification algorithm of RFC 9162 §2.1.3.2 (the same tree and paths as RFC 6962).
 */
export function verifyInclusion(leaf: Buffer, index: number, size: number, path: readonly Buffer[], root: Buffer): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let hash = leafHash(leaf);
  for (const sibling of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      hash = nodeHash(sibling, hash);
      // A right edge without a sibling on this level: climb to where it has one.
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      hash = nodeHash(hash, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && hash.equals(root);
}
