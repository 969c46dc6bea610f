import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { AuditSigningKey, checkpointText } from './audit-signing-key';

describe('checkpoint signatures', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = new AuditSigningKey(pem);
  const statement = { size: 42, rootHash: 'ab'.repeat(32), at: '2026-01-01T00:00:00.000Z' };

  it('signs the documented text, verifiable with the published public key alone', () => {
    expect(checkpointText(statement)).toBe(`juhui-audit-checkpoint-v1\n42\n${'ab'.repeat(32)}\n2026-01-01T00:00:00.000Z`);
    const signature = key.sign(statement);
    const publicKey = createPublicKey(key.publicKeyPem);
    expect(verify(null, Buffer.from(checkpointText(statement)), publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    expect(key.verify(statement, signature)).toBe(true);
  });

  it('names the key by the first 16 hex of SHA-256 over its public key DER', () => {
    const der = createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(key.keyId).toBe(createHash('sha256').update(der).digest('hex').slice(0, 16));
    expect(key.keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a signature once size, root or time changed, or made by another key', () => {
    const signature = key.sign(statement);
    for (const changed of [
      { ...statement, size: 43 },
      { ...statement, rootHash: 'ac'.repeat(32) },
      { ...statement, at: '2026-01-01T00:00:00.001Z' },
    ])
      expect(key.verify(changed, signature)).toBe(false);
    const other = new AuditSigningKey(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(key.verify(statement, other.sign(statement))).toBe(false);
  });
});
