import { randomUUID } from 'node:crypto';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { getMetadataStorage } from 'class-validator';
import { API_PREFIX } from '../../src/app.factory';
import type { TextOptions } from '../../src/common/validation/decorators';
import { campaignInput, merchantInput, merchantToken, residentToken, roundInput } from './factories';
import type { TestApp } from './test-app';
import { TEST_ADMIN } from './test-app';

type Dto = new (...args: never[]) => unknown;

export interface RouteInputs {
  /** "METHOD /api/v1/path/:param", as Nest declares it. */
  route: string;
  /** The DTO classes of its @Body() and @Query(), if it reads them. */
  body?: Dto;
  query?: Dto;
}

/** Every route of the app with the DTOs it validates its body and query with (from Nest's route metadata). */
export function routeInputs(t: TestApp): RouteInputs[] {
  const routes: RouteInputs[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Dto | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, { index: number }>;
        const types = (Reflect.getMetadata('design:paramtypes', controller.prototype, name) ?? []) as Dto[];
        const dtoOf = (kind: RouteParamtypes): Dto | undefined => {
          const entry = Object.entries(args).find(([key]) => key.startsWith(`${kind}:`));
          return entry ? types[entry[1].index] : undefined;
        };
        const path = [API_PREFIX, base, String(Reflect.getMetadata(PATH_METADATA, handler) ?? '')].filter((part) => part && part !== '/');
        routes.push({
          route: `${RequestMethod[method]} /${path.join('/')}`,
          body: dtoOf(RouteParamtypes.BODY),
          query: dtoOf(RouteParamtypes.QUERY),
        });
      }
    }
  }
  return routes;
}

/** Every route that changes something and reads a body, as "METHOD /path". */
export function writeRoutesWithBody(t: TestApp): string[] {
  return routeInputs(t)
    .filter((route) => route.body && !route.route.startsWith('GET '))
    .map((route) => route.route)
    .sort();
}

export interface TextField {
  /** Dotted path in the request ("settlementAccount.bankName"; arrays at index 0). */
  path: string;
  /** The IsText options, when the field is declared with IsText. */
  text?: TextOptions;
}

/** Every string field a DTO validates, nested DTOs included (from class-validator's and class-transformer's metadata). */
export function textFields(dto: Dto, parent = ''): TextField[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const fields = new Map<string, TextField>();
  for (const rule of metadata) {
    const path = parent ? `${parent}.${rule.propertyName}` : rule.propertyName;
    if (rule.name === 'isString') fields.set(path, { path, ...fields.get(path) });
    if (rule.name === 'isText') fields.set(path, { path, text: rule.constraints[0] as TextOptions });
    if (rule.type === 'nestedValidation') {
      const nested = defaultMetadataStorage.findTypeMetadata(dto, rule.propertyName)?.typeFunction() as Dto | undefined;
      const isList = Reflect.getMetadata('design:type', dto.prototype as object, rule.propertyName) === Array;
      if (nested) for (const field of textFields(nested, isList ? `${path}.0` : path)) fields.set(field.path, field);
    }
  }
  return [...fields.values()];
}

export interface RouteSample {
  token?: string;
  headers?: () => Record<string, string>;
  /** A body every check before the route's own work accepts. */
  body: () => unknown;
}

/**
 * One well-formed request for every write route that reads a body, keyed "METHOD /path" with
 * real ids: tests change one thing in it and expect 400. Tests check the table is complete
 * against writeRoutesWithBody.
 */
export function writeRouteSamples(ids: {
  bureau: string;
  campaignId: string;
  merchantId: string;
  roundId: string;
}): Record<string, RouteSample> {
  const { bureau, campaignId, merchantId, roundId } = ids;
  const merchant = merchantToken(merchantId);
  const idempotent = () => ({ 'idempotency-key': randomUUID() });
  const p = `/${API_PREFIX}`;
  return {
    [`POST ${p}/auth/login`]: { body: () => TEST_ADMIN },
    [`POST ${p}/auth/password`]: {
      token: bureau,
      body: () => ({ currentPassword: TEST_ADMIN.password, newPassword: 'another-long-password' }),
    },
    [`POST ${p}/staff`]: {
      token: bureau,
      body: () => ({ username: 'new.operator', displayName: 'New', roles: ['operator'], password: 'a-long-enough-password' }),
    },
    [`PATCH ${p}/staff/${randomUUID()}`]: { token: bureau, body: () => ({ roles: ['auditor'] }) },
    [`POST ${p}/merchants/${merchantId}/keys`]: { token: bureau, body: () => ({ label: 'till 2' }) },
    [`POST ${p}/campaigns`]: { token: bureau, body: () => campaignInput() },
    [`PATCH ${p}/campaigns/${campaignId}`]: { token: bureau, body: () => ({ name: 'renamed' }) },
    [`POST ${p}/campaigns/${campaignId}/rounds`]: { token: bureau, body: () => roundInput() },
    [`PATCH ${p}/rounds/${roundId}`]: {
      token: bureau,
      body: () => ({ name: 'renamed', denominations: [{ faceValue: 1000, minSpend: 5000, quantity: 10 }] }),
    },
    [`POST ${p}/claims`]: { token: residentToken('resident-1'), body: () => ({ denominationId: randomUUID() }) },
    [`POST ${p}/merchants`]: { token: bureau, body: () => merchantInput() },
    [`PATCH ${p}/merchants/${merchantId}`]: { token: bureau, body: () => ({ themes: ['autos'] }) },
    [`POST ${p}/merchants/${merchantId}/hold`]: { token: bureau, body: () => ({ reason: 'under review' }) },
    [`POST ${p}/vouchers/verify`]: { token: merchant, body: () => ({ code: 'ABCD-EFGH', orderAmount: 30000 }) },
    [`POST ${p}/redemptions`]: {
      token: merchant,
      headers: idempotent,
      body: () => ({ code: 'ABCD-EFGH', orderAmount: 30000, orderRef: 'R1' }),
    },
    [`POST ${p}/redemptions/${randomUUID()}/reverse`]: { token: merchant, headers: idempotent, body: () => ({ reason: 'refund' }) },
    [`POST ${p}/webhooks`]: { token: bureau, body: () => ({ url: 'https://203.0.113.7/hook', events: ['voucher.redeemed'] }) },
    [`PATCH ${p}/webhooks/${randomUUID()}`]: { token: bureau, body: () => ({ enabled: false }) },
    [`POST ${p}/settlements/runs`]: { token: bureau, body: () => ({}) },
    [`POST ${p}/settlements/statements/${randomUUID()}/paid`]: { token: bureau, body: () => ({ bankReference: 'B-1' }) },
    [`POST ${p}/settlements/statements/${randomUUID()}/hold`]: { token: bureau, body: () => ({ reason: 'account under review' }) },
    [`POST ${p}/approvals/${randomUUID()}/approve`]: { token: bureau, body: () => ({ note: 'checked' }) },
    [`POST ${p}/approvals/${randomUUID()}/reject`]: { token: bureau, body: () => ({ note: 'not now' }) },
  };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The declared route ("/campaigns/:id") a sample's concrete path ("/campaigns/3f…") is for. */
export const declaredRoute = (route: string): string => route.replace(UUID, ':id');

/** Rate limits lifted so every refused request of a test is answered by validation, not 429. */
export const LIFTED_RATE_LIMITS =
  'auth.login.ip=100000/60,auth.login.username=100000/60,auth.password.staff=100000/60,claims.resident=100000/60';
