import { createHmac, createSecretKey, KeyObject, timingSafeEqual } from 'node:crypto';
import { STAFF_ROLES, type Principal, type StaffRole } from './principal';

/** The only header we issue and the only algorithm we accept (never `none`, never another HMAC). */
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const SIGNATURE_BYTES = 32;
const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export class InvalidTokenError extends Error {}

const keys = new Map<string, KeyObject>();

/** The secret as a KeyObject, made once: building a key per call is most of an HMAC's cost. */
function keyFor(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

function signature(signingInput: string, secret: string): Buffer {
  return createHmac('sha256', keyFor(secret)).update(signingInput).digest();
}

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = BASE64URL.test(segment) ? JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidTokenError(`malformed ${what}`);
  return value as Record<string, unknown>;
}

/** Mints a signed HS256 token for a principal (bureau login and the `npm run token` command). */
export function signToken(principal: Principal, secret: string, ttlSeconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const claims =
    principal.role === 'resident'
      ? { sub: principal.residentId, role: 'resident' }
      : principal.role === 'merchant'
        ? { sub: principal.merchantId, role: 'merchant', merchantId: principal.merchantId }
        : {
            sub: principal.userId,
            role: 'bureau',
            username: principal.username,
            staffRoles: principal.staffRoles,
            sid: principal.sessionId,
          };
  const signingInput = `${HEADER}.${Buffer.from(JSON.stringify({ ...claims, iat: now, exp: now + ttlSeconds })).toString('base64url')}`;
  return `${signingInput}.${signature(signingInput, secret).toString('base64url')}`;
}

/**
 * Verifies an HS256 token (RFC 7519) and reads the caller from its claims: the header must
 * name HS256, the signature must match in constant time, `exp` is required and `nbf` is
 * honoured, and each role must carry its identifying claim. Written on node:crypto directly
 * because it runs on every flash claim: a general-purpose verifier cost three times as much.
 */
export function verifyToken(token: string, secret: string): Principal {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot <= 0 || lastDot === firstDot || token.indexOf('.', firstDot + 1) !== lastDot) throw new InvalidTokenError('malformed token');
  const header = token.slice(0, firstDot);
  // The header we issue (and most issuers send) needs no decoding; any other must still say HS256.
  if (header !== HEADER && decodeJsonObject(header, 'header').alg !== 'HS256')
    throw new InvalidTokenError('only HS256 tokens are accepted');
  const given = token.slice(lastDot + 1);
  const expected = signature(token.slice(0, lastDot), secret);
  const givenBytes = BASE64URL.test(given) ? Buffer.from(given, 'base64url') : Buffer.alloc(0);
  if (givenBytes.length !== SIGNATURE_BYTES || !timingSafeEqual(givenBytes, expected)) throw new InvalidTokenError('invalid signature');
  const payload = decodeJsonObject(token.slice(firstDot + 1, lastDot), 'payload');

  const now = Date.now() / 1000;
  if (typeof payload.exp !== 'number') throw new InvalidTokenError('token has no exp claim');
  if (payload.exp <= now) throw new InvalidTokenError('token expired');
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now))
    throw new InvalidTokenError('token not yet valid');
  return principalOf(payload);
}

/** A token's `staffRoles` claim: only known roles, each once; anything else is refused. */
function staffRolesOf(claim: unknown): StaffRole[] {
  if (!Array.isArray(claim)) throw new InvalidTokenError('bureau token needs a staffRoles claim');
  const roles = claim.filter((role): role is StaffRole => typeof role === 'string' && (STAFF_ROLES as readonly string[]).includes(role));
  if (roles.length !== claim.length) throw new InvalidTokenError('unknown staff role');
  return [...new Set(roles)];
}

function principalOf(payload: Record<string, unknown>): Principal {
  const sub = typeof payload.sub === 'string' && ID_PATTERN.test(payload.sub) ? payload.sub : undefined;
  switch (payload.role) {
    case 'resident':
      if (!sub) throw new InvalidTokenError('resident token needs a sub claim');
      return { role: 'resident', residentId: sub };
    case 'merchant': {
      const merchantId = payload.merchantId;
      if (typeof merchantId !== 'string' || !ID_PATTERN.test(merchantId)) throw new InvalidTokenError('merchant token needs merchantId');
      return { role: 'merchant', merchantId };
    }
    case 'bureau': {
      if (!sub) throw new InvalidTokenError('bureau token needs a sub claim');
      const sessionId = payload.sid;
      if (typeof sessionId !== 'string' || !ID_PATTERN.test(sessionId)) throw new InvalidTokenError('bureau token needs a sid claim');
      return {
        role: 'bureau',
        userId: sub,
        username: typeof payload.username === 'string' ? payload.username : sub,
        staffRoles: staffRolesOf(payload.staffRoles),
        sessionId,
      };
    }
    default:
      throw new InvalidTokenError('unknown role');
  }
}
