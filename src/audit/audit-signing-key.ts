import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** What a checkpoint's signature covers. */
export interface CheckpointStatement {
  size: number;
  /** Lowercase hex of the Merkle root. */
  rootHash: string;
  /** ISO 8601, UTC, milliseconds. */
  at: string;
}

export const CHECKPOINT_FORMAT = 'juhui-audit-checkpoint-v1';

/**
 * The exact text a checkpoint's Ed25519 signature is over (README "Audit log"): four lines
 * joined by \n, no trailing newline. The format name keeps a signature made for anything
 * else with this key from passing as a checkpoint's.
 */
export function checkpointText(statement: CheckpointStatement): string {
  return [CHECKPOINT_FORMAT, String(statement.size), statement.rootHash, statement.at].join('\n');
}

/**
 * The key signing checkpoints (AUDIT_SIGNING_KEY, validated at start-up as Ed25519). Its id is
 * the first 16 hex characters of SHA-256 over the public key's DER (SubjectPublicKeyInfo), so
 * anyone holding the public key can compute it.
 */
export class AuditSigningKey {
  readonly keyId: string;
  readonly publicKeyPem: string;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(privateKeyPem: string) {
    this.privateKey = createPrivateKey(privateKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
    this.publicKeyPem = this.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    this.keyId = keyIdOf(this.publicKey);
  }

  /** Base64 signature of the statement. */
  sign(statement: CheckpointStatement): string {
    return sign(null, Buffer.from(checkpointText(statement), 'utf8'), this.privateKey).toString('base64');
  }

  verify(statement: CheckpointStatement, signature: string): boolean {
    return verify(null, Buffer.from(checkpointText(statement), 'utf8'), this.publicKey, Buffer.from(signature, 'base64'));
  }
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Nest's injection token for the process's AuditSigningKey. */
export const AUDIT_SIGNING_KEY = Symbol('AUDIT_SIGNING_KEY');
