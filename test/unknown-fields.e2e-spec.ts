import { randomUUID } from 'node:crypto';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { API_PREFIX } from '../src/app.factory';
import {
  bureauToken,
  campaignInput,
  makeCampaign,
  makeMerchant,
  merchantInput,
  merchantToken,
  residentToken,
  roundInput,
} from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TEST_ADMIN, TestApp } from './support/test-app';

/** Every route of the app that changes something and reads a body, as "METHOD /path" (from Nest's route metadata). */
function writeRoutesWithBody(t: TestApp): string[] {
  const routes: string[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || method === RequestMethod.GET) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, unknown>;
        if (!Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.BODY}:`))) continue;
        const path = [API_PREFIX, base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].filter((part) => part && part !== '/');
        routes.push(`${RequestMethod[method]} /${path.join('/')}`);
      }
    }
  }
  return routes.sort();
}

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
  let routes: Record<string, { token?: string; headers?: () => Record<string, string>; body: () => unknown; nested: string[] }>;

  const counts = async () =>
    (
      await t.db.query<Record<string, string>>(`
        SELECT (SELECT count(*) FROM campaigns) AS campaigns, (SELECT count(*) FROM rounds) AS rounds,
               (SELECT count(*) FROM denominations) AS denominations, (SELECT count(*) FROM merchants) AS merchants,
               (SELECT count(*) FROM vouchers) AS vouchers, (SELECT count(*) FROM redemptions) AS redemptions,
               (SELECT count(*) FROM settlement_runs) AS runs, (SELECT count(*) FROM idempotency_keys) AS keys,
               (SELECT string_agg(name || budget || status, ',' ORDER BY id) FROM campaigns) AS campaign_state,
               (SELECT string_agg(name || status || array_to_string(themes, '+'), ',' ORDER BY id) FROM merchants) AS merchant_state`)
    )[0];

  beforeAll(async () => {
    t = await bootTestApp({
      RATE_LIMITS: 'auth.login.ip=100000/60,auth.login.username=100000/60,auth.password.staff=100000/60,claims.resident=100000/60',
    });
    api = new ApiClient(t.baseUrl);
    const bureau = await bureauToken(api);
    const campaignId = (await makeCampaign(api, bureau, {}, false)).id;
    const merchantId = (await makeMerchant(api, bureau)).merchant.id;
    const merchant = merchantToken(merchantId);
    const idempotent = () => ({ 'idempotency-key': randomUUID() });
    const p = `/${API_PREFIX}`;
    routes = {
      [`POST ${p}/auth/login`]: { body: () => TEST_ADMIN, nested: [] },
      [`POST ${p}/auth/password`]: {
        token: bureau,
        body: () => ({ currentPassword: TEST_ADMIN.password, newPassword: 'another-long-password' }),
        nested: [],
      },
      [`POST ${p}/staff`]: {
        token: bureau,
        body: () => ({ username: 'new.operator', displayName: 'New', roles: ['operator'], password: 'a-long-enough-password' }),
        nested: [],
      },
      [`PATCH ${p}/staff/${randomUUID()}`]: { token: bureau, body: () => ({ roles: ['auditor'] }), nested: [] },
      [`POST ${p}/merchants/${merchantId}/keys`]: { token: bureau, body: () => ({ label: 'till 2' }), nested: [] },
      [`POST ${p}/campaigns`]: { token: bureau, body: () => campaignInput(), nested: [] },
      [`PATCH ${p}/campaigns/${campaignId}`]: { token: bureau, body: () => ({ name: 'renamed' }), nested: [] },
      [`POST ${p}/campaigns/${campaignId}/rounds`]: { token: bureau, body: () => roundInput(), nested: ['denominations.0'] },
      [`POST ${p}/claims`]: { token: residentToken('resident-1'), body: () => ({ denominationId: randomUUID() }), nested: [] },
      [`POST ${p}/merchants`]: { token: bureau, body: () => merchantInput(), nested: ['settlementAccount'] },
      [`PATCH ${p}/merchants/${merchantId}`]: { token: bureau, body: () => ({ themes: ['autos'] }), nested: [] },
      [`POST ${p}/vouchers/verify`]: { token: merchant, body: () => ({ code: 'ABCD-EFGH', orderAmount: 30000 }), nested: [] },
      [`POST ${p}/redemptions`]: {
        token: merchant,
        headers: idempotent,
        body: () => ({ code: 'ABCD-EFGH', orderAmount: 30000, orderRef: 'R1' }),
        nested: [],
      },
      [`POST ${p}/redemptions/${randomUUID()}/reverse`]: {
        token: merchant,
        headers: idempotent,
        body: () => ({ reason: 'refund' }),
        nested: [],
      },
      [`POST ${p}/approvals/${randomUUID()}/approve`]: { token: bureau, body: () => ({ note: 'checked' }), nested: [] },
      [`POST ${p}/approvals/${randomUUID()}/reject`]: { token: bureau, body: () => ({ note: 'not now' }), nested: [] },
      [`POST ${p}/settlements/runs`]: { token: bureau, body: () => ({}), nested: [] },
      [`POST ${p}/webhooks`]: {
        token: bureau,
        body: () => ({ url: 'https://203.0.113.7/hook', events: ['voucher.redeemed'] }),
        nested: [],
      },
      [`PATCH ${p}/webhooks/${randomUUID()}`]: { token: bureau, body: () => ({ enabled: false }), nested: [] },
      [`POST ${p}/settlements/statements/${randomUUID()}/paid`]: { token: bureau, body: () => ({ bankReference: 'B-1' }), nested: [] },
      [`POST ${p}/settlements/statements/${randomUUID()}/hold`]: {
        token: bureau,
        body: () => ({ reason: 'account under review' }),
        nested: [],
      },
    };
  });
  afterAll(() => t.close());

  it('the table below covers every write route that reads a body', () => {
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    expect(
      Object.keys(routes)
        .map((route) => route.replace(uuid, ':id'))
        .sort(),
    ).toEqual(writeRoutesWithBody(t));
  });

  it.each(PROTOTYPE_NAMES)(
    '"%s" is refused with 400 VALIDATION_FAILED on every write route, at every depth, and nothing is written',
    async (name) => {
      for (const [route, spec] of Object.entries(routes)) {
        const [method, path] = route.split(' ');
        for (const at of ['', ...spec.nested]) {
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
