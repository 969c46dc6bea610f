import { ApiProcess, startApiProcess } from './support/api-process';
import { bureauToken, loginAs, makeStaff } from './support/factories';
import { ApiClient } from './support/http';
import { createTestDatabase, createTestRedisUrl, TEST_ADMIN, TestDatabase, testEnvironment } from './support/test-app';

/**
 * Staff accounts and their sessions, across two API processes sharing PostgreSQL and Redis:
 * a change made through one process holds on the very next request through the other.
 * Needs the build (`npx nest build`).
 */
describe('staff and sessions across API processes', () => {
  let db: TestDatabase;
  let a: ApiClient;
  let b: ApiClient;
  let processes: ApiProcess[] = [];
  let admin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = testEnvironment(db, await createTestRedisUrl(), {
      RUN_WORKER: 'false',
      TRUST_PROXY: '127.0.0.1',
      RATE_LIMITS: 'auth.login.username=6/300,auth.login.ip=1000/60',
    });
    processes = await Promise.all([startApiProcess(env), startApiProcess(env)]);
    [a, b] = processes.map((process) => new ApiClient(process.baseUrl));
    admin = await bureauToken(a);
  });
  afterAll(async () => {
    await Promise.all(processes.map((process) => process.kill()));
    await db?.close();
  });

  const settlementRuns = '/api/v1/settlements/runs';

  it('lets an admin create and list staff; the first admin holds every role; passwords are scrypt hashes', async () => {
    const created = await a.post(
      '/api/v1/staff',
      { username: 'li.operator', displayName: '李 Operator', roles: ['operator'], password: 'a long enough password' },
      { token: admin },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'li.operator', displayName: '李 Operator', roles: ['operator'], status: 'active' });
    expect(created.body).not.toHaveProperty('passwordHash');
    const listed = await b.get('/api/v1/staff', { token: admin });
    expect(listed.status).toBe(200);
    expect(listed.body.items.find((member: { username: string }) => member.username === TEST_ADMIN.username).roles).toEqual([
      'admin',
      'operator',
      'finance',
      'auditor',
    ]);
    const [stored] = await db.query<{ password_hash: string }>(`SELECT password_hash FROM staff WHERE username = 'li.operator'`);
    expect(stored?.password_hash).toMatch(/^scrypt\$131072\$8\$1\$/);
  });

  it('refuses bad staff input with 400, a taken username with 409, and non-admins with 403, creating nothing', async () => {
    const before = await db.query('SELECT id FROM staff');
    const body = { username: 'wang.finance', displayName: '王', roles: ['finance'], password: 'twelve chars!' };
    for (const [bad, field] of [
      [{ ...body, password: 'short-pass1' }, 'password'],
      [{ ...body, password: 'Wang.Finance' + '' }, 'password'],
      [{ ...body, username: 'wang.finance.x', password: 'wang.finance.x' }, 'password'],
      [{ ...body, roles: ['root'] }, 'roles'],
      [{ ...body, roles: [] }, 'roles'],
      [{ ...body, username: 'x' }, 'username'],
      [{ ...body, extra: true }, 'extra'],
    ] as const) {
      const answer = await a.post('/api/v1/staff', bad, { token: admin });
      expect({ field, status: answer.status, code: answer.body.code }).toEqual({ field, status: 400, code: 'VALIDATION_FAILED' });
    }
    const operator = await makeStaff(a, admin, ['operator', 'finance', 'auditor']);
    const operatorToken = await loginAs(b, operator);
    expect((await b.post('/api/v1/staff', body, { token: operatorToken })).body.code).toBe('FORBIDDEN');
    expect((await b.get('/api/v1/staff', { token: operatorToken })).status).toBe(403);
    expect((await a.post('/api/v1/staff', { ...body, username: operator.username }, { token: admin })).status).toBe(409);
    expect((await db.query('SELECT id FROM staff')).length).toBe(before.length + 1); // only makeStaff's
  });

  it('narrows a token at once when its roles change in the other process', async () => {
    const member = await makeStaff(a, admin, ['finance', 'auditor']);
    const token = await loginAs(a, member);
    // Allowed for finance: the run body is invalid, so nothing is started either way.
    expect((await b.post(settlementRuns, { cutoff: 'not a date' }, { token })).status).toBe(400);
    expect((await a.patch(`/api/v1/staff/${member.id}`, { roles: ['auditor'] }, { token: admin })).status).toBe(200);
    const narrowed = await b.post(settlementRuns, { cutoff: 'not a date' }, { token });
    expect({ status: narrowed.status, code: narrowed.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    expect((await b.get(settlementRuns, { token })).status).toBe(200); // still an auditor
    expect((await a.patch(`/api/v1/staff/${member.id}`, { roles: ['finance'] }, { token: admin })).status).toBe(200);
    expect((await b.post(settlementRuns, { cutoff: 'not a date' }, { token })).status).toBe(400);
  });

  it('logout ends the token in use in every process, and only that one', async () => {
    const member = await makeStaff(a, admin, ['auditor']);
    const [first, second] = [await loginAs(a, member), await loginAs(b, member)];
    const logout = await a.post('/api/v1/auth/logout', undefined, { token: first });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^juhui_session=; .*Max-Age=0/);
    const refused = await b.get(settlementRuns, { token: first });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    expect((await b.get(settlementRuns, { token: second })).status).toBe(200);
  });

  it('a password change ends every session of its holder; the old password no longer logs in', async () => {
    const member = await makeStaff(a, admin, ['auditor']);
    const [first, second] = [await loginAs(a, member), await loginAs(b, member)];
    const newPassword = 'a brand new passphrase';
    for (const bad of [
      { currentPassword: member.password, newPassword: 'too-short' },
      { currentPassword: member.password, newPassword: member.username },
    ]) {
      expect((await b.post('/api/v1/auth/password', bad, { token: second })).status).toBe(400);
    }
    expect((await b.post('/api/v1/auth/password', { currentPassword: 'not the password', newPassword }, { token: second })).status).toBe(
      403,
    );
    expect((await a.get(settlementRuns, { token: first })).status).toBe(200); // nothing changed yet
    expect((await b.post('/api/v1/auth/password', { currentPassword: member.password, newPassword }, { token: second })).status).toBe(204);
    expect((await a.get(settlementRuns, { token: first })).status).toBe(401);
    expect((await a.get(settlementRuns, { token: second })).status).toBe(401);
    expect((await b.post('/api/v1/auth/login', { username: member.username, password: member.password })).status).toBe(401);
    expect((await a.get(settlementRuns, { token: await loginAs(b, { ...member, password: newPassword }) })).status).toBe(200);
  });

  it('disabling a staff member, or an admin setting their password, ends their sessions in every process', async () => {
    const member = await makeStaff(a, admin, ['auditor']);
    let token = await loginAs(a, member);
    const newPassword = 'set by the admin, long';
    expect((await b.patch(`/api/v1/staff/${member.id}`, { password: newPassword }, { token: admin })).status).toBe(200);
    expect((await a.get(settlementRuns, { token })).status).toBe(401);
    token = await loginAs(a, { ...member, password: newPassword });
    const disabled = await b.patch(`/api/v1/staff/${member.id}`, { status: 'disabled' }, { token: admin });
    expect(disabled.body).toMatchObject({ status: 'disabled' });
    expect((await a.get(settlementRuns, { token })).status).toBe(401);
    expect((await a.post('/api/v1/auth/login', { username: member.username, password: newPassword })).status).toBe(401);
    // Enabling again does not bring old tokens back.
    expect((await b.patch(`/api/v1/staff/${member.id}`, { status: 'active' }, { token: admin })).status).toBe(200);
    expect((await a.get(settlementRuns, { token })).status).toBe(401);
  });

  it('keeps at least one active admin', async () => {
    const [me] = await db.query<{ id: string }>(`SELECT id FROM staff WHERE username = $1`, [TEST_ADMIN.username]);
    for (const change of [{ status: 'disabled' }, { roles: ['operator'] }]) {
      const answer = await a.patch(`/api/v1/staff/${me.id}`, change, { token: admin });
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    }
    expect((await a.patch(`/api/v1/staff/${me.id}`, {}, { token: admin })).status).toBe(400);
    expect((await b.get('/api/v1/staff', { token: admin })).status).toBe(200);
  });

  it('limits logins per username across processes and client addresses', async () => {
    const member = await makeStaff(a, admin, ['auditor']);
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      // A fresh client address each time (believed from the trusted proxy), alternating processes.
      const answer = await (i % 2 ? a : b).post(
        '/api/v1/auth/login',
        { username: member.username, password: `guess number ${i}` },
        { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } },
      );
      statuses.push(answer.status);
      if (answer.status === 429) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    // Another account is not affected.
    expect((await a.post('/api/v1/auth/login', TEST_ADMIN, { headers: { 'x-forwarded-for': '203.0.113.99' } })).status).toBe(200);
  });

  it('sets the session cookie Secure when served over TLS (a trusted proxy saying so), HttpOnly and SameSite=Strict always', async () => {
    const plain = await a.post('/api/v1/auth/login', TEST_ADMIN);
    expect(plain.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/);
    expect(plain.headers.get('cache-control')).toBe('no-store');
    const tls = await a.post('/api/v1/auth/login', TEST_ADMIN, { headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
  });
});
