import { bureauToken, campaignInput, makeCampaign, makeMerchant, merchantInput, roundInput } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

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
