import { API_PREFIX } from '../src/app.factory';
import { bureauToken, makeCampaign, makeMerchant, makeRound } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';
import { declaredRoute, LIFTED_RATE_LIMITS, RouteSample, writeRoutesWithBody, writeRouteSamples } from './support/write-routes';

/** Where a write route's body nests objects of its own, as paths into its sample body. */
const NESTED: Record<string, string[]> = {
  [`POST /${API_PREFIX}/campaigns/:id/rounds`]: ['denominations.0'],
  [`PATCH /${API_PREFIX}/rounds/:id`]: ['denominations.0'],
  [`POST /${API_PREFIX}/merchants`]: ['settlementAccount'],
};

/** Every own property name of Object.prototype, and __proto__ (which it also lists, as an accessor). */
const PROTOTYPE_NAMES = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

/** A copy of `value` with `name` as an own field at `path` ('' for the top level). */
function withField(value: unknown, path: string, name: string): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  let target: Record<string, unknown> = copy;
  for (const step of path ? path.split('.') : []) target = target[step] as Record<string, unknown>;
  Object.defineProperty(target, name, { value: 1, enumerable: true, configurable: true, writable: true });
  return copy;
}

describe('fields named like Object.prototype properties', () => {
  let t: TestApp;
  let api: ApiClient;
  let routes: Record<string, RouteSample>;

  const counts = async () =>
    (
      await t.db.query<Record<string, string>>(`
        SELECT (SELECT count(*) FROM campaigns) AS campaigns, (SELECT count(*) FROM rounds) AS rounds,
               (SELECT count(*) FROM denominations) AS denominations, (SELECT count(*) FROM merchants) AS merchants,
               (SELECT count(*) FROM vouchers) AS vouchers, (SELECT count(*) FROM redemptions) AS redemptions,
               (SELECT count(*) FROM settlement_runs) AS runs, (SELECT count(*) FROM idempotency_keys) AS keys,
               (SELECT string_agg(name || budget || status, ',' ORDER BY id) FROM campaigns) AS campaign_state,
               (SELECT string_agg(name || status, ',' ORDER BY id) FROM rounds) AS round_state,
               (SELECT string_agg(name || status || array_to_string(themes, '+') || coalesce(hold_reason, ''), ',' ORDER BY id) FROM merchants) AS merchant_state`)
    )[0];

  beforeAll(async () => {
    t = await bootTestApp({ RATE_LIMITS: LIFTED_RATE_LIMITS });
    api = new ApiClient(t.baseUrl);
    const bureau = await bureauToken(api);
    const campaignId = (await makeCampaign(api, bureau, {}, false)).id;
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    const roundId = (await makeRound(api, bureau, campaignId, { claimOpensAt: inAnHour, voucherValidFrom: inAnHour })).id;
    const merchantId = (await makeMerchant(api, bureau)).merchant.id;
    routes = writeRouteSamples({ bureau, campaignId, merchantId, roundId });
  });
  afterAll(() => t.close());

  it('the sample table covers every write route that reads a body', () => {
    expect(Object.keys(routes).map(declaredRoute).sort()).toEqual(writeRoutesWithBody(t));
  });

  it.each(PROTOTYPE_NAMES)(
    '"%s" is refused with 400 VALIDATION_FAILED on every write route, at every depth, and nothing is written',
    async (name) => {
      for (const [route, spec] of Object.entries(routes)) {
        const [method, path] = route.split(' ');
        for (const at of ['', ...(NESTED[declaredRoute(route)] ?? [])]) {
          const before = await counts();
          const answer = await api.request(method, path, withField(spec.body(), at, name), {
            token: spec.token,
            headers: spec.headers?.(),
          });
          expect({ route, at, status: answer.status, code: answer.body?.code }).toEqual({
            route,
            at,
            status: 400,
            code: 'VALIDATION_FAILED',
          });
          expect(await counts()).toEqual(before);
        }
      }
    },
  );

  it.each(PROTOTYPE_NAMES)('"%s" in a query string is refused', async (name) => {
    const answer = await api.get(`/${API_PREFIX}/campaigns?${encodeURIComponent(name)}=1`);
    expect({ status: answer.status, code: answer.body?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });
});
