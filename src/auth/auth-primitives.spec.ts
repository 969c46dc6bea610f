import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { hashApiKey, issueApiKey, looksLikeApiKey } from './api-keys';
import { InvalidTokenError, signToken, verifyToken } from './jwt';
import { hashPassword, verifyPassword } from './passwords';
import { isAllowed, type Principal, type StaffRole } from './principal';
import { readSessionCookie, sessionCookie } from './session-cookie';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

/** A correctly signed HS256 token with any header and payload, signed without the code under test. */
function signRaw(header: unknown, payload: unknown): string {
  const input = [header, payload].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.');
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

describe('JWT', () => {
  it('round-trips each role', () => {
    expect(verifyToken(signToken({ role: 'resident', residentId: 'r-1' }, SECRET, 60), SECRET)).toEqual({
      role: 'resident',
      residentId: 'r-1',
    });
    expect(verifyToken(signToken({ role: 'merchant', merchantId: 'm-1' }, SECRET, 60), SECRET)).toEqual({
      role: 'merchant',
      merchantId: 'm-1',
    });
    expect(
      verifyToken(
        signToken({ role: 'bureau', userId: 'u-1', username: 'admin', staffRoles: ['finance'], sessionId: 's-1' }, SECRET, 60),
        SECRET,
      ),
    ).toEqual({
      role: 'bureau',
      userId: 'u-1',
      username: 'admin',
      staffRoles: ['finance'],
      sessionId: 's-1',
    });
  });

  it('accepts a token from another HS256 implementation (jsonwebtoken) and a raw one', () => {
    expect(verifyToken(jwt.sign({ sub: 'r-2', role: 'resident', extra: true }, SECRET, { expiresIn: 60 }), SECRET)).toEqual({
      role: 'resident',
      residentId: 'r-2',
    });
    expect(
      verifyToken(signRaw({ alg: 'HS256', typ: 'JWT' }, { sub: 'r-3', role: 'resident', exp: Date.now() / 1000 + 60 }), SECRET),
    ).toEqual({
      role: 'resident',
      residentId: 'r-3',
    });
  });

  it('signs tokens another implementation verifies, with iat and exp', () => {
    const decoded = jwt.verify(signToken({ role: 'resident', residentId: 'r-4' }, SECRET, 60), SECRET, {
      algorithms: ['HS256'],
    }) as jwt.JwtPayload;
    expect(decoded).toMatchObject({ sub: 'r-4', role: 'resident' });
    expect(decoded.exp! - decoded.iat!).toBe(60);
  });

  it.each([
    ['another key', () => jwt.sign({ sub: 'r', role: 'resident' }, 'some-other-secret-0123456789abcdef', { expiresIn: 60 })],
    ['no exp', () => jwt.sign({ sub: 'r', role: 'resident' }, SECRET)],
    ['expired', () => jwt.sign({ sub: 'r', role: 'resident', exp: Math.floor(Date.now() / 1000) - 10 }, SECRET)],
    ['alg none', () => jwt.sign({ sub: 'r', role: 'resident', exp: Math.floor(Date.now() / 1000) + 60 }, '', { algorithm: 'none' })],
    ['HS512', () => jwt.sign({ sub: 'r', role: 'resident' }, SECRET, { algorithm: 'HS512', expiresIn: 60 })],
    ['unknown role', () => jwt.sign({ sub: 'r', role: 'admin' }, SECRET, { expiresIn: 60 })],
    ['merchant without merchantId', () => jwt.sign({ sub: 'm', role: 'merchant' }, SECRET, { expiresIn: 60 })],
    ['resident without sub', () => jwt.sign({ role: 'resident' }, SECRET, { expiresIn: 60 })],
    ['garbage', () => 'not.a.token'],
    ['a future nbf', () => jwt.sign({ sub: 'r', role: 'resident' }, SECRET, { expiresIn: 60, notBefore: 30 })],
    ['an array payload', () => signRaw({ alg: 'HS256' }, [{ sub: 'r', role: 'resident', exp: 9e9 }])],
    ['a header without alg', () => signRaw({ typ: 'JWT' }, { sub: 'r', role: 'resident', exp: 9e9 })],
    ['a string exp', () => signRaw({ alg: 'HS256' }, { sub: 'r', role: 'resident', exp: '9999999999' })],
    ['a truncated signature', () => jwt.sign({ sub: 'r', role: 'resident' }, SECRET, { expiresIn: 60 }).slice(0, -2)],
    ['a bureau token without staffRoles', () => jwt.sign({ sub: 'u', role: 'bureau', sid: 's' }, SECRET, { expiresIn: 60 })],
    ['a bureau token without a session', () => jwt.sign({ sub: 'u', role: 'bureau', staffRoles: ['admin'] }, SECRET, { expiresIn: 60 })],
    [
      'a bureau token with an unknown staff role',
      () => jwt.sign({ sub: 'u', role: 'bureau', staffRoles: ['root'], sid: 's' }, SECRET, { expiresIn: 60 }),
    ],
    ['a fourth segment', () => `${jwt.sign({ sub: 'r', role: 'resident' }, SECRET, { expiresIn: 60 })}.x`],
    [
      'a tampered payload',
      () => {
        const [header, , sig] = jwt.sign({ sub: 'r', role: 'resident' }, SECRET, { expiresIn: 60 }).split('.');
        return `${header}.${Buffer.from(JSON.stringify({ sub: 'r', role: 'bureau', exp: 9e9 })).toString('base64url')}.${sig}`;
      },
    ],
  ])('refuses a token with %s', (_name, make) => {
    expect(() => verifyToken(make(), SECRET)).toThrow(InvalidTokenError);
  });
});

describe('merchant API keys', () => {
  it('are long, random, recognisable and stored only as a hash', () => {
    const a = issueApiKey();
    const b = issueApiKey();
    expect(a.key).not.toEqual(b.key);
    expect(looksLikeApiKey(a.key)).toBe(true);
    expect(Buffer.from(a.key.slice(4), 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(4));
    expect(a.key.startsWith(a.hint)).toBe(true);
  });
});

describe('passwords', () => {
  it('verify only the right password and never store it', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).not.toContain('correct');
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('wrong', stored)).resolves.toBe(false);
    await expect(verifyPassword('x', 'not-a-hash')).resolves.toBe(false);
  });
});

describe('session cookie', () => {
  it('is HttpOnly and SameSite=Strict, and reads back among other cookies', () => {
    const cookie = sessionCookie('tok.en.value', 60, true);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Secure');
    expect(readSessionCookie('a=1; juhui_session=tok.en.value; b=2')).toBe('tok.en.value');
    expect(readSessionCookie('a=1')).toBeUndefined();
  });
});

describe('isAllowed', () => {
  const staff = (...staffRoles: StaffRole[]): Principal => ({ role: 'bureau', userId: 'u', username: 'u', staffRoles, sessionId: 's' });
  it('lets a staff member through on any of their roles, and `staff` admits every staff member', () => {
    expect(isAllowed(staff('finance'), ['finance', 'auditor'])).toBe(true);
    expect(isAllowed(staff('operator'), ['finance', 'auditor'])).toBe(false);
    expect(isAllowed(staff(), ['staff'])).toBe(true);
    expect(isAllowed(staff('admin'), ['operator'])).toBe(false);
  });
  it('never takes a resident or merchant for staff', () => {
    expect(isAllowed({ role: 'resident', residentId: 'r' }, ['staff', 'finance'])).toBe(false);
    expect(isAllowed({ role: 'merchant', merchantId: 'm' }, ['merchant'])).toBe(true);
    expect(isAllowed({ role: 'merchant', merchantId: 'm' }, ['resident', 'staff'])).toBe(false);
  });
});
