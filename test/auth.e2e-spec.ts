import jwt from 'jsonwebtoken';
import { bureauToken, makeCampaign, makeMerchant, merchantToken, residentToken } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TEST_ADMIN, TEST_JWT_SECRET, TestApp } from './support/test-app';

describe('authentication and roles', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let campaignId: string;
  let merchantId: string;
  let merchantKey: string;

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    campaignId = (await makeCampaign(api, bureau)).id;
    ({
      merchant: { id: merchantId },
      apiKey: merchantKey,
    } = await makeMerchant(api, bureau));
  });
  afterAll(() => t.close());

  it('logs bureau staff in with a JWT and an HttpOnly session cookie', async () => {
    const login = await api.post('/api/v1/auth/login', TEST_ADMIN);
    expect(login.status).toBe(200);
    expect(typeof login.body.accessToken).toBe('string');
    expect(login.headers.get('set-cookie')).toMatch(/^juhui_session=.+HttpOnly.*SameSite=Strict/);
    const claims = jwt.verify(login.body.accessToken, TEST_JWT_SECRET) as jwt.JwtPayload;
    expect(claims).toMatchObject({ role: 'bureau', username: 'admin' });
    expect(claims.exp).toBeGreaterThan(Date.now() / 1000);
  });

  it('refuses a wrong password or an unknown user alike', async () => {
    for (const body of [
      { ...TEST_ADMIN, password: 'wrong-password' },
      { username: 'nobody', password: 'whatever-password' },
    ]) {
      const answer = await api.post('/api/v1/auth/login', body);
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'Wrong username or password' });
    }
  });

  const bureauOnly = (): Array<[string, string, unknown?]> => [
    ['POST', '/api/v1/campaigns', {}],
    ['PATCH', `/api/v1/campaigns/${campaignId}`, { name: 'x' }],
    ['POST', `/api/v1/campaigns/${campaignId}/publish`],
    ['POST', `/api/v1/campaigns/${campaignId}/close`],
    ['POST', `/api/v1/campaigns/${campaignId}/rounds`, {}],
    ['POST', '/api/v1/merchants', {}],
    ['GET', '/api/v1/merchants'],
    ['GET', `/api/v1/merchants/${merchantId}`],
    ['PATCH', `/api/v1/merchants/${merchantId}`, { status: 'suspended' }],
  ];

  it('answers 401 without credentials on every bureau route', async () => {
    for (const [method, path, body] of bureauOnly()) {
      const answer = await api.request(method, path, body);
      expect({ method, path, status: answer.status, code: answer.body.code }).toEqual({
        method,
        path,
        status: 401,
        code: 'UNAUTHENTICATED',
      });
    }
  });

  it('answers 403 to residents and merchants on every bureau route, and changes nothing', async () => {
    for (const token of [residentToken('r-1'), merchantToken(merchantId), merchantKey]) {
      for (const [method, path, body] of bureauOnly()) {
        const answer = await api.request(method, path, body, { token });
        expect({ method, path, status: answer.status, code: answer.body.code }).toEqual({ method, path, status: 403, code: 'FORBIDDEN' });
      }
    }
    const [state] = await t.db.query<{ status: string }>('SELECT status FROM campaigns WHERE id = $1', [campaignId]);
    expect(state?.status).toBe('active');
    const [merchant] = await t.db.query<{ status: string }>('SELECT status FROM merchants WHERE id = $1', [merchantId]);
    expect(merchant?.status).toBe('active');
  });

  it('refuses forged, expired, malformed and wrongly signed credentials with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = [
      jwt.sign({ sub: 'admin', role: 'bureau', exp: now + 60 }, 'not-the-secret-not-the-secret-not-the-secret'),
      jwt.sign({ sub: 'admin', role: 'bureau', exp: now - 1 }, TEST_JWT_SECRET),
      jwt.sign({ sub: 'admin', role: 'bureau' }, TEST_JWT_SECRET),
      jwt.sign({ sub: 'admin', role: 'bureau', exp: now + 60 }, '', { algorithm: 'none' }),
      'jhk_thisIsNotARealKeyAtAll00000000000000',
      'garbage',
    ];
    for (const token of forged) {
      const answer = await api.get('/api/v1/merchants', { token });
      expect(answer.status).toBe(401);
      expect(answer.body.code).toBe('UNAUTHENTICATED');
    }
    for (const header of ['Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer a b']) {
      const answer = await api.get('/api/v1/merchants', { headers: { authorization: header } });
      expect(answer.status).toBe(401);
    }
    // A bad token is refused on public routes too rather than silently ignored.
    expect((await api.get('/api/v1/campaigns', { token: forged[0] })).status).toBe(401);
  });

  it('lets anyone browse public campaigns and health without a token', async () => {
    expect((await api.get('/api/v1/campaigns')).status).toBe(200);
    expect((await api.get(`/api/v1/campaigns/${campaignId}`)).status).toBe(200);
    expect((await api.get('/health/live')).status).toBe(200);
  });

  it('limits login attempts per client address, with the RateLimit headers', async () => {
    const limited = await bootTestApp({ RATE_LIMITS: 'auth.login.ip=3/60' });
    try {
      const client = new ApiClient(limited.baseUrl);
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await client.post('/api/v1/auth/login', { username: 'admin', password: 'guessing-1234' }));
      expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 429, 429]);
      const last = answers[4];
      expect(last.body.code).toBe('RATE_LIMITED');
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(last.headers.get('ratelimit-limit')).toBe('3');
      expect(last.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(last.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      expect(answers[0].headers.get('ratelimit-remaining')).toBe('2');
    } finally {
      await limited.close();
    }
  });
});
