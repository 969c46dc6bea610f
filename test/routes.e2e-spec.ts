import { randomUUID } from 'node:crypto';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { API_PREFIX } from '../src/app.factory';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from '../src/auth/auth.decorators';
import type { Role, StaffRole } from '../src/auth/principal';
import { bureauToken, loginAs, makeMerchant, makeStaff, residentToken } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

type Caller = StaffRole | 'resident' | 'merchant';
const CALLERS: Caller[] = ['admin', 'operator', 'finance', 'auditor', 'resident', 'merchant'];
const STAFF: Caller[] = ['admin', 'operator', 'finance', 'auditor'];

/**
 * Who may call each route: SPEC "Staff and audit" (operator — campaigns, rounds, merchants,
 * draws; finance — settlement runs, statements, holds, voids; auditor — reads; admin — staff
 * and webhooks; every staff member reads statistics) and the resident and merchant routes.
 * Written once, here: a route the app serves that is missing below fails the test.
 */
const MATRIX: Record<string, 'public' | Caller[]> = {
  'GET /health/live': 'public',
  'POST /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  'GET /dashboard': 'public',
  'GET /dashboard/assets/:name': 'public',
  'GET /wallet': 'public',
  'GET /cashier': 'public',
  'GET /pages/assets/:name': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': STAFF,
  'POST /api/v1/auth/password': STAFF,
  'POST /api/v1/staff': ['admin'],
  'GET /api/v1/staff': ['admin'],
  'PATCH /api/v1/staff/:id': ['admin'],
  'GET /api/v1/campaigns': 'public',
  'GET /api/v1/campaigns/:id': 'public',
  'POST /api/v1/campaigns': ['operator'],
  'PATCH /api/v1/campaigns/:id': ['operator'],
  'POST /api/v1/campaigns/:id/publish': ['operator'],
  'POST /api/v1/campaigns/:id/close': ['operator'],
  'POST /api/v1/campaigns/:id/rounds': ['operator'],
  'GET /api/v1/rounds/:id': 'public',
  'PATCH /api/v1/rounds/:id': ['operator'],
  'POST /api/v1/rounds/:id/cancel': ['operator'],
  'POST /api/v1/rounds/:id/close': ['operator'],
  // Four-eyes requests: every staff member reads them; the campaign kinds are operators' to decide.
  'GET /api/v1/approvals': STAFF,
  'GET /api/v1/approvals/:id': STAFF,
  'POST /api/v1/approvals/:id/approve': ['operator'],
  'POST /api/v1/approvals/:id/reject': ['operator'],
  'POST /api/v1/merchants': ['operator'],
  'GET /api/v1/merchants': ['operator', 'finance', 'auditor'],
  'GET /api/v1/merchants/directory': 'public',
  'GET /api/v1/merchants/:id': ['operator', 'finance', 'auditor'],
  'PATCH /api/v1/merchants/:id': ['operator'],
  'POST /api/v1/merchants/:id/keys': ['operator', 'merchant'],
  'GET /api/v1/merchants/:id/keys': ['operator', 'auditor', 'merchant'],
  'DELETE /api/v1/merchants/:id/keys/:keyId': ['operator', 'merchant'],
  'POST /api/v1/merchants/:id/hold': ['finance'],
  'POST /api/v1/merchants/:id/release': ['finance'],
  'POST /api/v1/claims': ['resident'],
  'GET /api/v1/me/vouchers': ['resident'],
  'GET /api/v1/me/vouchers/:id': ['resident'],
  'POST /api/v1/vouchers/verify': ['merchant'],
  'POST /api/v1/redemptions': ['merchant'],
  'POST /api/v1/redemptions/:id/reverse': ['merchant'],
  'POST /api/v1/redemptions/:id/reversal/approve': ['finance'],
  'GET /api/v1/redemptions': ['merchant', 'finance', 'auditor'],
  'GET /api/v1/redemptions/:id': ['merchant', 'finance', 'auditor'],
  'POST /api/v1/settlements/runs': ['finance'],
  'GET /api/v1/settlements/runs': ['finance', 'auditor'],
  'GET /api/v1/settlements/runs/:id': ['finance', 'auditor'],
  // The bank's payment instruction file, with full account numbers: finance's alone for now.
  'GET /api/v1/settlements/runs/:id/payouts.csv': ['finance'],
  'GET /api/v1/settlements/statements': ['merchant', 'finance', 'auditor'],
  'GET /api/v1/settlements/statements/:id': ['merchant', 'finance', 'auditor'],
  'GET /api/v1/settlements/statements/:id/lines.csv': ['merchant', 'finance', 'auditor'],
  'POST /api/v1/settlements/statements/:id/approve': ['finance'],
  'POST /api/v1/settlements/statements/:id/hold': ['finance'],
  'POST /api/v1/settlements/statements/:id/release': ['finance'],
  'POST /api/v1/settlements/statements/:id/paid': ['finance'],
  'GET /api/v1/audit/events': ['auditor', 'admin'],
  'GET /api/v1/audit/events/:id/proof': ['auditor', 'admin'],
  'GET /api/v1/audit/checkpoints': ['auditor', 'admin'],
  'POST /api/v1/audit/checkpoints': ['auditor', 'admin'],
  // Anyone may check a checkpoint's signature.
  'GET /api/v1/audit/public-key': 'public',
  'GET /api/v1/stats/overview': STAFF,
  'GET /api/v1/stats/campaigns/:id': STAFF,
  'GET /api/v1/stats/campaigns/:id/export.csv': STAFF,
  'POST /api/v1/webhooks': ['admin'],
  'GET /api/v1/webhooks': ['admin'],
  'PATCH /api/v1/webhooks/:id': ['admin'],
  'DELETE /api/v1/webhooks/:id': ['admin'],
  'GET /api/v1/webhooks/:id/deliveries': ['admin'],
};

/** What the guard answers a role it does not admit; a 403 for any other reason is the route's own. */
const ROLE_REFUSAL = 'Your role does not allow this action';

interface Route {
  key: string;
  method: string;
  path: string;
  roles?: Role[];
  isPublic: boolean;
}

/** Every route the application serves through Nest, with its @Roles/@Public metadata, read from the app itself. */
function routesOf(t: TestApp): Route[] {
  const reflector = new Reflector();
  const excluded = new Set(['health', 'metrics', 'dashboard', 'wallet', 'cashier', 'pages']);
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller || !wrapper.instance) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const prototype = Object.getPrototypeOf(wrapper.instance) as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || sub === undefined) continue;
        const segments = [base, sub].map((part) => part.replace(/^\/|\/$/g, '')).filter(Boolean);
        const prefixed = excluded.has(segments[0]?.split('/')[0] ?? '') ? segments : [API_PREFIX, ...segments];
        const path = `/${prefixed.join('/')}`;
        const verb = RequestMethod[method];
        routes.push({
          key: `${verb} ${path}`,
          method: verb,
          path,
          roles: reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, [handler, controller]),
          isPublic: reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [handler, controller]) ?? false,
        });
      }
    }
  }
  return routes;
}

describe('every route, for every staff role, residents and merchants', () => {
  let t: TestApp;
  let api: ApiClient;
  let routes: Route[];
  const tokens = {} as Record<Caller, string>;

  beforeAll(async () => {
    t = await bootTestApp({ RUN_WORKER: 'false' });
    api = new ApiClient(t.baseUrl);
    const admin = await bureauToken(api);
    for (const role of STAFF as StaffRole[]) tokens[role] = await loginAs(api, await makeStaff(api, admin, [role], `only.${role}`));
    tokens.resident = residentToken('resident-routes');
    tokens.merchant = (await makeMerchant(api, admin)).apiKey;
    routes = routesOf(t);
  });
  afterAll(() => t.close());

  /** Every table's rows, as one fingerprint per table. */
  /** Columns that record that a credential was used, not a change a caller made. */
  const USAGE_COLUMNS: Record<string, string[]> = { merchant_api_keys: ['last_used_at'] };

  async function dump(): Promise<Record<string, string>> {
    const tables = await t.db.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' ORDER BY 1`,
    );
    const rows: Record<string, string> = {};
    for (const { name } of tables) {
      const [row] = await t.db.query<{ fingerprint: string }>(
        `SELECT count(*) || ':' || md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS fingerprint
           FROM (SELECT to_jsonb(t) - $1::text[] AS r FROM "${name}" t) rows`,
        [USAGE_COLUMNS[name] ?? []],
      );
      rows[name] = row.fingerprint;
    }
    return rows;
  }

  const call = (route: Route, token?: string) =>
    api.request(
      route.method,
      route.path.replace(/:name/g, 'missing.js').replace(/:[A-Za-z]+/g, randomUUID()),
      route.method === 'GET' ? undefined : {},
      {
        token,
        headers: { 'idempotency-key': randomUUID() },
      },
    );

  it('finds the routes in the app, and the matrix names each of them, and nothing else', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.map((route) => route.key).sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('declares on each route exactly what the matrix says', () => {
    for (const route of routes) {
      const expected = MATRIX[route.key];
      const declared = route.isPublic ? 'public' : [...(route.roles ?? [])].sort();
      const wanted = expected === 'public' ? 'public' : [...expected].sort();
      // 'staff' on a route means every staff role.
      const normalised = Array.isArray(declared) && declared.includes('staff') ? [...STAFF].sort() : declared;
      expect({ route: route.key, roles: normalised }).toEqual({ route: route.key, roles: wanted });
    }
  });

  it('answers 403 FORBIDDEN, changing nothing, to every caller a route does not admit', async () => {
    const before = await dump();
    let refused = 0;
    for (const route of routes) {
      const allowed = MATRIX[route.key];
      if (allowed === 'public') continue;
      for (const caller of CALLERS.filter((c) => !allowed.includes(c))) {
        const answer = await call(route, tokens[caller]);
        expect({ route: route.key, caller, status: answer.status, body: answer.body }).toEqual({
          route: route.key,
          caller,
          status: 403,
          body: { statusCode: 403, code: 'FORBIDDEN', message: ROLE_REFUSAL },
        });
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
    expect(await dump()).toEqual(before);
  });

  it('lets through every caller a route admits, and anyone on a public route', async () => {
    // Logout last: it ends the caller's session.
    const ordered = [...routes].sort((x, y) => Number(x.key.endsWith('/logout')) - Number(y.key.endsWith('/logout')));
    for (const route of ordered) {
      const allowed = MATRIX[route.key];
      const callers = allowed === 'public' ? [undefined, ...CALLERS] : allowed;
      for (const caller of callers) {
        const answer = await call(route, caller && tokens[caller]);
        const refusedByRole = answer.status === 403 && answer.body?.message === ROLE_REFUSAL;
        expect({ route: route.key, caller, unauthenticated: answer.status === 401, refusedByRole }).toEqual({
          route: route.key,
          caller,
          unauthenticated: false,
          refusedByRole: false,
        });
      }
    }
  });
});
