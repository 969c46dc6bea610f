import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EnvironmentVariables } from './app-config';

/** The file in DATA_DIR holding the generated key when AUDIT_SIGNING_KEY is unset. */
export const GENERATED_AUDIT_KEY_FILE = 'audit-signing-key.pem';

/** A PEM as an environment variable may carry it: on one line, with `\n` for each line break. */
export const auditKeyPem = (value: string): string => value.replace(/\\n/g, '\n');

/** Why this text is not an Ed25519 private key in PEM, or undefined when it is one. */
export function auditSigningKeyProblem(value: string): string | undefined {
  let type: string | undefined;
  try {
    type = createPrivateKey({ key: auditKeyPem(value), format: 'pem' }).asymmetricKeyType;
  } catch {
    return 'AUDIT_SIGNING_KEY is not a private key in PEM (-----BEGIN PRIVATE KEY-----)';
  }
  return type === 'ed25519' ? undefined : `AUDIT_SIGNING_KEY is a ${type ?? 'unknown'} key, not Ed25519`;
}

/**
 * The Ed25519 key that signs audit checkpoints (PEM): AUDIT_SIGNING_KEY, else one generated on
 * first start and kept in DATA_DIR. The generated file is linked into place only once complete
 * and never overwritten, so processes starting together all end up with the same key.
 */
export function resolveAuditSigningKey(env: Pick<EnvironmentVariables, 'AUDIT_SIGNING_KEY' | 'DATA_DIR'>): string {
  if (env.AUDIT_SIGNING_KEY) return auditKeyPem(env.AUDIT_SIGNING_KEY);
  const dir = resolve(env.DATA_DIR);
  const file = join(dir, GENERATED_AUDIT_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const draft = `${file}.${process.pid}.tmp`;
    writeFileSync(draft, pem, { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  return readFileSync(file, 'utf8');
}
