import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EnvironmentVariables } from './app-config';

/** The HS256 key: AUTH_JWT_SECRET, else one generated on first start and kept in DATA_DIR. */
export function resolveJwtSecret(env: Pick<EnvironmentVariables, 'AUTH_JWT_SECRET' | 'DATA_DIR'>): string {
  if (env.AUTH_JWT_SECRET) return env.AUTH_JWT_SECRET;
  const file = join(resolve(env.DATA_DIR), 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(resolve(env.DATA_DIR), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
