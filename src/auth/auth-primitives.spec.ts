import jwt from 'jsonwebtoken';
import { hashApiKey, issueApiKey, looksLikeApiKey } from './api-keys';
import { InvalidTokenError, signToken, verifyToken } from './jwt';
import { hashPassword, verifyPassword } from './passwords';
import { readSessionCookie, sessionCookie } from './session-cookie';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

describe('JWT', () => {
  it('round-trips each role', () => {
    expect(verifyToken(signToken({ role: 'resident', residentId: 'r-1' }, SECRET, 60), SECRET)).toEqual({ role: 'resident', residentId: 'r-1' });
    expect(verifyToken(signToken({ role: 'merchant', merchantId: 'm-1', via: 'jwt' }, SECRET, 60), SECRET)).toEqual({
      role: 'merchant',
      merchantId: 'm-1',
      via: 'jwt',
    });
    expect(verifyToken(signToken({ role: 'bureau', userId: 'u-1', username: 'admin' }, SECRET, 60), SECRET)).toMatchObject({ role: 'bureau' });
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
