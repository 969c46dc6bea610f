import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Logger } from '@nestjs/common';
import { API_PREFIX } from '../src/app.factory';
import {
  bureauToken,
  campaignInput,
  makeCampaign,
  makeMerchant,
  makeRound,
  merchantInput,
  merchantToken,
  roundInput,
} from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp, TEST_ADMIN } from './support/test-app';
import {
  declaredRoute,
  LIFTED_RATE_LIMITS,
  routeInputs,
  RouteSample,
  TextField,
  textFields,
  writeRoutesWithBody,
  writeRouteSamples,
} from './support/write-routes';

/**
 * Every malformed request is answered 4xx with a code and changes nothing: the table
 * counts below are compared before and after each request.
 */
describe('malformed input', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let campaignId: string;
  let merchantId: string;

  const counts = async () =>
    (
      await t.db.query<Record<string, string>>(`
        SELECT (SELECT count(*) FROM campaigns) AS campaigns, (SELECT count(*) FROM rounds) AS rounds,
               (SELECT count(*) FROM denominations) AS denominations, (SELECT count(*) FROM merchants) AS merchants,
               (SELECT sum(allocated) FROM campaigns) AS allocated,
               (SELECT string_agg(name || budget || status, ',' ORDER BY id) FROM campaigns) AS campaign_state,
               (SELECT string_agg(status || array_to_string(themes, '+'), ',' ORDER BY id) FROM merchants) AS merchant_state`)
    )[0];

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    campaignId = (await makeCampaign(api, bureau, {}, false)).id;
    merchantId = (await makeMerchant(api, bureau)).merchant.id;
  });
  afterAll(() => t.close());

  const huge = 1e30;
  const campaign = (patch: Record<string, unknown>) => ({ ...campaignInput(), ...patch });
  const round = (patch: Record<string, unknown>) => ({ ...roundInput(), ...patch });
  const denomination = (patch: Record<string, unknown>) =>
    round({ denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 10, ...patch }] });

  const cases: Array<[string, string, string, () => unknown, number, string]> = [
    ['campaign: budget as string', 'POST', '/api/v1/campaigns', () => campaign({ budget: '100000' }), 400, 'VALIDATION_FAILED'],
    ['campaign: negative budget', 'POST', '/api/v1/campaigns', () => campaign({ budget: -1 }), 400, 'VALIDATION_FAILED'],
    ['campaign: zero budget', 'POST', '/api/v1/campaigns', () => campaign({ budget: 0 }), 400, 'VALIDATION_FAILED'],
    ['campaign: fractional fen', 'POST', '/api/v1/campaigns', () => campaign({ budget: 100.5 }), 400, 'VALIDATION_FAILED'],
    ['campaign: huge budget', 'POST', '/api/v1/campaigns', () => campaign({ budget: huge }), 400, 'VALIDATION_FAILED'],
    ['campaign: beyond safe integers', 'POST', '/api/v1/campaigns', () => campaign({ budget: 2 ** 60 }), 400, 'VALIDATION_FAILED'],
    ['campaign: unknown field', 'POST', '/api/v1/campaigns', () => campaign({ status: 'active' }), 400, 'VALIDATION_FAILED'],
    ['campaign: invalid theme', 'POST', '/api/v1/campaigns', () => campaign({ theme: 'luxury' }), 400, 'VALIDATION_FAILED'],
    [
      'campaign: reversed dates',
      'POST',
      '/api/v1/campaigns',
      () => campaign({ startsAt: '2026-12-01T00:00:00+08:00', endsAt: '2026-01-01T00:00:00+08:00' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'campaign: date without offset',
      'POST',
      '/api/v1/campaigns',
      () => campaign({ startsAt: '2026-01-01T00:00:00' }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'campaign: impossible date',
      'POST',
      '/api/v1/campaigns',
      () => campaign({ endsAt: '2026-02-31T00:00:00Z' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['campaign: date as number', 'POST', '/api/v1/campaigns', () => campaign({ startsAt: 1767225600000 }), 400, 'VALIDATION_FAILED'],
    ['campaign: missing name', 'POST', '/api/v1/campaigns', () => campaign({ name: undefined }), 400, 'VALIDATION_FAILED'],
    ['campaign: empty name', 'POST', '/api/v1/campaigns', () => campaign({ name: '' }), 400, 'VALIDATION_FAILED'],
    ['campaign: name too long', 'POST', '/api/v1/campaigns', () => campaign({ name: 'x'.repeat(201) }), 400, 'VALIDATION_FAILED'],
    ['campaign: array body', 'POST', '/api/v1/campaigns', () => [campaign({})], 400, 'VALIDATION_FAILED'],
    ['campaign: null body', 'POST', '/api/v1/campaigns', () => null, 400, 'VALIDATION_FAILED'],
    ['campaign: edit with unknown field', 'PATCH', '/api/v1/campaigns/:campaign', () => ({ allocated: 0 }), 400, 'VALIDATION_FAILED'],
    ['campaign: edit with negative budget', 'PATCH', '/api/v1/campaigns/:campaign', () => ({ budget: -5 }), 400, 'VALIDATION_FAILED'],
    [
      'round: reversed claim window',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => round({ claimOpensAt: roundInput().claimClosesAt, claimClosesAt: roundInput().claimOpensAt }),
      400,
      'VALIDATION_FAILED',
    ],
    ['round: zero limit', 'POST', '/api/v1/campaigns/:campaign/rounds', () => round({ perResidentLimit: 0 }), 400, 'VALIDATION_FAILED'],
    [
      'round: fractional limit',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => round({ perResidentLimit: 1.5 }),
      400,
      'VALIDATION_FAILED',
    ],
    ['round: no denominations', 'POST', '/api/v1/campaigns/:campaign/rounds', () => round({ denominations: [] }), 400, 'VALIDATION_FAILED'],
    [
      'round: denominations not a list',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => round({ denominations: { faceValue: 1 } }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'round: negative face value',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => denomination({ faceValue: -5000 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'round: fractional face value',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => denomination({ faceValue: 50.5 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'round: huge quantity',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => denomination({ quantity: huge }),
      400,
      'VALIDATION_FAILED',
    ],
    ['round: zero quantity', 'POST', '/api/v1/campaigns/:campaign/rounds', () => denomination({ quantity: 0 }), 400, 'VALIDATION_FAILED'],
    [
      'round: min spend below face value',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => denomination({ minSpend: 4000 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'round: unknown denomination field',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => denomination({ discount: 1 }),
      400,
      'VALIDATION_FAILED',
    ],
    [
      'round: validity after the campaign',
      'POST',
      '/api/v1/campaigns/:campaign/rounds',
      () => round({ voucherValidUntil: '2099-01-01T00:00:00Z' }),
      400,
      'VALIDATION_FAILED',
    ],
    ['round: malformed campaign id', 'POST', '/api/v1/campaigns/not-a-uuid/rounds', () => round({}), 400, 'VALIDATION_FAILED'],
    ['merchant: no themes', 'POST', '/api/v1/merchants', () => ({ ...merchantInput(), themes: [] }), 400, 'VALIDATION_FAILED'],
    ['merchant: unknown theme', 'POST', '/api/v1/merchants', () => ({ ...merchantInput(), themes: ['casino'] }), 400, 'VALIDATION_FAILED'],
    ['merchant: themes as string', 'POST', '/api/v1/merchants', () => ({ ...merchantInput(), themes: 'autos' }), 400, 'VALIDATION_FAILED'],
    [
      'merchant: account number with letters',
      'POST',
      '/api/v1/merchants',
      () => ({ ...merchantInput(), settlementAccount: { bankName: 'b', accountName: 'a', accountNumber: '6222abc' } }),
      400,
      'VALIDATION_FAILED',
    ],
    ['merchant: missing account', 'POST', '/api/v1/merchants', () => ({ name: 'x', themes: ['autos'] }), 400, 'VALIDATION_FAILED'],
    [
      'merchant: unknown account field',
      'POST',
      '/api/v1/merchants',
      () => ({ ...merchantInput(), settlementAccount: { ...merchantInput().settlementAccount, swift: 'X' } }),
      400,
      'VALIDATION_FAILED',
    ],
    ['merchant: bad status', 'PATCH', '/api/v1/merchants/:merchant', () => ({ status: 'deleted' }), 400, 'VALIDATION_FAILED'],
    [
      'merchant: editing the account number',
      'PATCH',
      '/api/v1/merchants/:merchant',
      () => ({ settlementAccount: { accountNumber: '1' } }),
      400,
      'VALIDATION_FAILED',
    ],
    ['merchant: malformed id', 'PATCH', '/api/v1/merchants/123', () => ({ status: 'active' }), 400, 'VALIDATION_FAILED'],
    [
      'login: password as number',
      'POST',
      '/api/v1/auth/login',
      () => ({ username: 'admin', password: 12345678 }),
      400,
      'VALIDATION_FAILED',
    ],
    ['list: limit too big', 'GET', '/api/v1/campaigns?limit=501', () => undefined, 400, 'VALIDATION_FAILED'],
    ['list: negative offset', 'GET', '/api/v1/campaigns?offset=-1', () => undefined, 400, 'VALIDATION_FAILED'],
    ['list: limit not a number', 'GET', '/api/v1/merchants?limit=ten', () => undefined, 400, 'VALIDATION_FAILED'],
    ['list: unknown query field', 'GET', '/api/v1/campaigns?sort=name', () => undefined, 400, 'VALIDATION_FAILED'],
    ['list: bad status filter', 'GET', '/api/v1/campaigns?status=deleted', () => undefined, 400, 'VALIDATION_FAILED'],
  ];

  it.each(cases)('%s (%s %s): 4xx with a code, nothing changed', async (_name, method, path, body, status, code) => {
    const before = await counts();
    const target = path.replace(':campaign', campaignId).replace(':merchant', merchantId);
    const answer = await api.request(method, target, body(), { token: bureau });
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
    expect(answer.body.statusCode).toBe(status);
    expect(typeof answer.body.message).toBe('string');
    expect(answer.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(await counts()).toEqual(before);
  });

  const rawCases: Array<[string, string | Buffer, Record<string, string>, number, string]> = [
    ['broken JSON', '{"name": "x", ', { 'content-type': 'application/json' }, 400, 'VALIDATION_FAILED'],
    ['empty JSON body', '', { 'content-type': 'application/json' }, 400, 'VALIDATION_FAILED'],
    ['a JSON string', '"hello"', { 'content-type': 'application/json' }, 400, 'VALIDATION_FAILED'],
    ['wrong content type', 'name=x&budget=1', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['plain text', 'hello', { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a 10 MB body', Buffer.alloc(10 * 1024 * 1024, 'a'), { 'content-type': 'application/json' }, 413, 'PAYLOAD_TOO_LARGE'],
    ['deeply nested JSON', `${'['.repeat(5000)}${']'.repeat(5000)}`, { 'content-type': 'application/json' }, 400, 'VALIDATION_FAILED'],
  ];

  it.each(rawCases)('%s: 4xx with a code, nothing changed', async (_name, raw, headers, status, code) => {
    const before = await counts();
    const answer = await api.post('/api/v1/campaigns', undefined, { token: bureau, raw, headers });
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
    expect(await counts()).toEqual(before);
  });

  it('answers unknown routes and methods with the error shape', async () => {
    const unknown = await api.get('/api/v1/nothing-here', { token: bureau });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    const wrongMethod = await api.request('DELETE', `/api/v1/campaigns/${campaignId}`, undefined, { token: bureau });
    expect(wrongMethod.status).toBeGreaterThanOrEqual(400);
    expect(wrongMethod.status).toBeLessThan(500);
    expect(typeof wrongMethod.body.code).toBe('string');
  });
});

/**
 * Issue 12 point 14: text that PostgreSQL refuses (NUL), that no one can see (other control
 * characters), or that is short to a naive length check but too long for its column (padded
 * with U+FE0F, which validator.js's isLength does not count) is 400 VALIDATION_FAILED on every
 * text field of every request, never a 5xx or a stack trace in the log, and writes nothing.
 */
describe('malformed text', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let merchantId: string;
  let samples: Record<string, RouteSample>;
  let loggedErrors: jest.SpyInstance;

  /** One more code point than the field allows, yet one character to validator.js. */
  const padded = (field: TextField) => `a${'\uFE0F'.repeat(field.text?.max ?? 4000)}`;
  const badTexts: Array<[string, (field: TextField) => string]> = [
    ['a NUL', () => 'a\u0000b'],
    ['a BEL (U+0007)', () => 'a\u0007b'],
    ['U+FE0F padding past the column', padded],
  ];

  const counts = async () =>
    (
      await t.db.query<Record<string, string>>(`
        SELECT (SELECT count(*) FROM campaigns) AS campaigns, (SELECT count(*) FROM rounds) AS rounds,
               (SELECT count(*) FROM merchants) AS merchants, (SELECT count(*) FROM merchant_api_keys) AS keys,
               (SELECT count(*) FROM staff) AS staff, (SELECT count(*) FROM redemptions) AS redemptions,
               (SELECT count(*) FROM audit_events) AS audit_events, (SELECT count(*) FROM idempotency_keys) AS idempotency_keys,
               (SELECT string_agg(name || budget || coalesce(description, ''), ',' ORDER BY id) FROM campaigns) AS campaign_state,
               (SELECT string_agg(password_hash, ',' ORDER BY id) FROM staff) AS passwords`)
    )[0];

  /** A copy of `body` with the field at the dotted `path` set to `value`. */
  function withText(body: unknown, path: string, value: string): unknown {
    const copy = structuredClone(body ?? {}) as Record<string, unknown>;
    const steps = path.split('.');
    let target: Record<string, unknown> = copy;
    for (const step of steps.slice(0, -1)) target = target[step] as Record<string, unknown>;
    target[steps[steps.length - 1]] = value;
    return copy;
  }

  const expectRefused = (where: Record<string, unknown>, answer: { status: number; body: any; text: string }) => {
    expect({ ...where, status: answer.status, code: answer.body?.code }).toEqual({ ...where, status: 400, code: 'VALIDATION_FAILED' });
    expect(answer.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  };

  beforeAll(async () => {
    t = await bootTestApp({ RATE_LIMITS: LIFTED_RATE_LIMITS, RUN_WORKER: 'false' });
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    const campaignId = (await makeCampaign(api, bureau, {}, false)).id;
    merchantId = (await makeMerchant(api, bureau)).merchant.id;
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    const roundId = (await makeRound(api, bureau, campaignId, { claimOpensAt: inAnHour, voucherValidFrom: inAnHour })).id;
    samples = writeRouteSamples({ bureau, campaignId, merchantId, roundId });
    // The one exception filter logs a stack only for a failure of ours (a 5xx).
    loggedErrors = jest.spyOn(Logger.prototype, 'error');
  });
  afterAll(async () => {
    loggedErrors.mockRestore();
    await t.close();
  });

  it('has a sample request for every write route with a body, and every text field of those bodies is an IsText', () => {
    expect(Object.keys(samples).map(declaredRoute).sort()).toEqual(writeRoutesWithBody(t));
    const untyped = routeInputs(t).flatMap(({ route, body, query }) =>
      [body, query].flatMap((dto) => (dto ? textFields(dto) : [])).flatMap((field) => (field.text ? [] : [`${route} ${field.path}`])),
    );
    expect(untyped).toEqual([]);
  });

  it.each(badTexts)('%s in any text field of any write body is refused and writes nothing', async (_what, bad) => {
    const inputs = new Map(routeInputs(t).map((route) => [route.route, route]));
    let tried = 0;
    for (const [route, sample] of Object.entries(samples)) {
      const [method, path] = route.split(' ');
      for (const field of textFields(inputs.get(declaredRoute(route))!.body!)) {
        const before = await counts();
        const answer = await api.request(method, path, withText(sample.body(), field.path, bad(field)), {
          token: sample.token,
          headers: sample.headers?.(),
        });
        expectRefused({ route, field: field.path }, answer);
        expect(await counts()).toEqual(before);
        tried += 1;
      }
    }
    // Names, descriptions, accounts, labels, codes, references, reasons, usernames and passwords.
    expect(tried).toBeGreaterThanOrEqual(20);
    expect(loggedErrors).not.toHaveBeenCalled();
  });

  it.each(badTexts)('%s in a query string text field is refused', async (_what, bad) => {
    const queries = routeInputs(t).filter((route) => route.route.startsWith('GET ') && route.query);
    let tried = 0;
    for (const { route, query } of queries) {
      for (const field of textFields(query!)) {
        const path = route.slice('GET '.length);
        const answer = await api.get(`${path}?${field.path}=${encodeURIComponent(bad(field))}`, { token: bureau });
        expectRefused({ route, field: field.path }, answer);
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThan(0);
    expect(loggedErrors).not.toHaveBeenCalled();
  });

  it.each(badTexts)('%s as a route parameter is refused', async (_what, bad) => {
    // As long as a UUID, so the padded id stays within the router's parameter limit (100) and reaches validation.
    const field: TextField = { path: 'id', text: { max: 36 } };
    const merchant = merchantToken(merchantId);
    for (const [method, path, token] of [
      ['GET', `/${API_PREFIX}/campaigns/:id`, bureau],
      ['PATCH', `/${API_PREFIX}/merchants/:id`, bureau],
      ['GET', `/${API_PREFIX}/settlements/runs/:id`, bureau],
      ['GET', `/${API_PREFIX}/redemptions/:id`, merchant],
    ]) {
      const answer = await api.request(method, path.replace(':id', encodeURIComponent(bad(field))), method === 'PATCH' ? {} : undefined, {
        token,
      });
      expectRefused({ method, path }, answer);
    }
    expect(loggedErrors).not.toHaveBeenCalled();
  });

  it('refuses the same on the login route, which needs no token', async () => {
    for (const [, bad] of badTexts) {
      for (const field of ['username', 'password']) {
        const answer = await api.post(`/${API_PREFIX}/auth/login`, { ...TEST_ADMIN, [field]: bad({ path: field, text: { max: 256 } }) });
        expectRefused({ field }, answer);
      }
    }
    expect(loggedErrors).not.toHaveBeenCalled();
  });

  /** A redemption sent over a raw socket, so the header can carry bytes fetch would refuse to send. */
  function redeemWithKey(key: Buffer): Promise<{ status: number; code: unknown }> {
    const body = JSON.stringify({ code: 'ABCD-EFGH', orderAmount: 30000 });
    const head = Buffer.from(
      `POST /${API_PREFIX}/redemptions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${merchantToken(merchantId)}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nIdempotency-Key: `,
    );
    return new Promise((resolve, reject) => {
      const socket = connect({ port: Number(new URL(t.baseUrl).port), host: '127.0.0.1' });
      const received: Buffer[] = [];
      socket.on('data', (data) => received.push(data));
      socket.on('error', reject);
      socket.on('close', () => {
        const text = Buffer.concat(received).toString('utf8');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
        // The body may come chunked: the code is read out of it, not parsed whole.
        resolve({ status, code: /"code":"([A-Z_]+)"/.exec(text)?.[1] });
      });
      // Written, not ended: a client's FIN makes Node abandon the request; Connection: close ends it after the answer.
      socket.on('connect', () => socket.write(Buffer.concat([head, key, Buffer.from(`\r\n\r\n${body}`)])));
    });
  }

  it.each([
    // Node's parser refuses control characters in any header before the app sees the request.
    ['a NUL', Buffer.from('key\u0000one'), 'BAD_REQUEST'],
    ['a BEL (U+0007)', Buffer.from('key\u0007one'), 'BAD_REQUEST'],
    // Bytes past ASCII reach the app, which accepts visible ASCII only.
    ['U+FE0F padding', Buffer.from(`k${'\uFE0F'.repeat(300)}`), 'VALIDATION_FAILED'],
    ['U+FE0F after a valid key', Buffer.from(`${randomUUID()}\uFE0F`), 'VALIDATION_FAILED'],
  ])('refuses %s in the Idempotency-Key header with 400 and writes nothing', async (_what, key, code) => {
    const before = await counts();
    expect(await redeemWithKey(key)).toEqual({ status: 400, code });
    expect(await counts()).toEqual(before);
    expect(loggedErrors).not.toHaveBeenCalled();
  });
});
