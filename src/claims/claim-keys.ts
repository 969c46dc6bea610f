/**
 * Redis key names of the claim engine. Every key of one round carries the hash tag
 * `{round:<id>}`, so all of them live in one Redis Cluster slot and the claim script, which
 * touches several of them at once, runs unchanged on a cluster.
 */
export interface RoundKeys {
  /** Hash: campaign status, claim window, limit, budget left, voucher template, generation. */
  meta: string;
  /** Hash: resident id → the claim numbers (1…limit) the resident holds, "1,2". */
  residents: string;
  /** Set of the free stock slots (1…quantity) of one denomination. */
  slots(denominationId: string): string;
}

export function roundKeys(roundId: string): RoundKeys {
  const tag = `{round:${roundId}}`;
  return {
    meta: `claim:${tag}:meta`,
    residents: `claim:${tag}:residents`,
    slots: (denominationId) => `claim:${tag}:slots:${denominationId}`,
  };
}
