// The RFC read a second time, independently of ./merkle (test/support/rfc6962.ts): the reference below.
import { mth, rootFromPath, sha256 as sha } from '../../test/support/rfc6962';
import { EMPTY_TREE_ROOT, inclusionProof, merkleRoot, MerkleRootBuilder, verifyInclusion } from './merkle';

const leavesOf = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => sha(Buffer.from(`event ${i}`)));

describe('RFC 6962 Merkle tree', () => {
  it('matches the reference roots of the Certificate Transparency test leaves', () => {
    // The leaves and roots used by the CT reference implementations' tests.
    const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((hex) =>
      Buffer.from(hex, 'hex'),
    );
    const roots = [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
      '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
      '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
      'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    ];
    roots.forEach((root, i) => expect(merkleRoot(leaves.slice(0, i + 1)).toString('hex')).toBe(root));
    expect(EMPTY_TREE_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('computes MTH as the RFC defines it, for every size 0..64, also while leaves keep coming', () => {
    const builder = new MerkleRootBuilder();
    const all = leavesOf(64);
    expect(builder.root()).toEqual(mth([]));
    all.forEach((leaf, i) => {
      builder.push(leaf);
      expect(builder.size).toBe(i + 1);
      expect(builder.root()).toEqual(mth(all.slice(0, i + 1)));
    });
  });

  it('gives every leaf of trees of 1..20 an audit path that an independent verifier accepts, and verifies it itself', () => {
    for (let n = 1; n <= 20; n++) {
      const leaves = leavesOf(n);
      const root = mth(leaves);
      for (let m = 0; m < n; m++) {
        const path = inclusionProof(leaves, m);
        expect({ n, m, root: rootFromPath(leaves[m], m, n, path) }).toEqual({ n, m, root });
        expect({ n, m, ok: verifyInclusion(leaves[m], m, n, path, root) }).toEqual({ n, m, ok: true });
      }
    }
  });

  // Not the tree size on its own: a path can fit two sizes that hash the same way (the root of
  // 3 leaves is also what a 4-leaf path computes), which is why a checkpoint signs size and root together.
  it('rejects a proof for the wrong leaf, place or root, or with any path hash changed', () => {
    for (let n = 2; n <= 20; n++) {
      const leaves = leavesOf(n);
      const root = mth(leaves);
      for (let m = 0; m < n; m++) {
        const path = inclusionProof(leaves, m);
        const other = (m + 1) % n;
        const cases: Array<[string, boolean]> = [
          ['another leaf', verifyInclusion(leaves[other], m, n, path, root)],
          ['another place', verifyInclusion(leaves[m], other, n, path, root)],
          ['a place past the end', verifyInclusion(leaves[m], n, n, path, root)],
          ['another root', verifyInclusion(leaves[m], m, n, path, mth(leaves.slice(1)))],
          ['a hash too many', verifyInclusion(leaves[m], m, n, [...path, root], root)],
          ['a hash too few', verifyInclusion(leaves[m], m, n, path.slice(1), root)],
          ...path.map((_, i): [string, boolean] => [
            `hash ${i} changed`,
            verifyInclusion(
              leaves[m],
              m,
              n,
              path.map((p, j) => (j === i ? sha(p) : p)),
              root,
            ),
          ]),
        ];
        expect({ n, m, accepted: cases.filter(([, ok]) => ok).map(([what]) => what) }).toEqual({ n, m, accepted: [] });
      }
    }
  });

  it('refuses to prove a leaf that is not in the tree', () => {
    expect(() => inclusionProof(leavesOf(3), 3)).toThrow(RangeError);
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
  });
});
