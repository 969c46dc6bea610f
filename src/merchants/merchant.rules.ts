export type HoldChange = 'hold' | 'release';

export type HoldDecision = { allowed: true } | { allowed: false; message: string };

/** A merchant is held once and released once: holding a held merchant or releasing one not held is refused. */
export function decideHoldChange(merchant: { heldAt: Date | null }, change: HoldChange): HoldDecision {
  const held = merchant.heldAt !== null;
  if (change === 'hold' && held) return { allowed: false, message: 'This merchant is held already' };
  if (change === 'release' && !held) return { allowed: false, message: 'This merchant is not held' };
  return { allowed: true };
}
