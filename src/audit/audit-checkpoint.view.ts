import type { AuditCheckpoint } from './audit-checkpoint.entity';

/** A checkpoint as the API shows it: what its signature covers, and the signature. */
export function toCheckpointView(checkpoint: AuditCheckpoint) {
  return {
    size: checkpoint.size,
    rootHash: checkpoint.rootHash,
    at: checkpoint.at.toISOString(),
    keyId: checkpoint.keyId,
    signature: checkpoint.signature,
  };
}
