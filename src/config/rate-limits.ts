import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DIR } from './config-files';

const RATE_LIMIT_KEYS = ['principal', 'ip', 'username'] as const;
type RateLimitKey = (typeof RATE_LIMIT_KEYS)[number];

/** A fixed window: at most `points` requests per `durationSeconds`, counted per key. */
export interface RateLimitPolicy {
  points: number;
  durationSeconds: number;
  /**
   * Whose requests are counted together: the authenticated caller, the client IP, or the
   * `username` a login names (so guessing one account's password from many addresses is
   * limited too).
   */
  by: RateLimitKey;
}

/**
 * The named policies routes refer to (`@RateLimit(...)`). Their numbers are deployment
 * configuration, in config/rate-limits.json; the names are code, so a route cannot name a
 * policy the file does not define.
 */
export const RATE_LIMIT_POLICY_NAMES = [
  'claims.resident',
  'claims.ip',
  'redemptions.merchant',
  'vouchers.verify.merchant',
  'auth.login.ip',
  'auth.login.username',
  'auth.password.staff',
  'auth.failures.ip',
] as const;

export type RateLimitPolicyName = (typeof RATE_LIMIT_POLICY_NAMES)[number];
export type RateLimitPolicies = Record<RateLimitPolicyName, RateLimitPolicy>;

export const RATE_LIMITS_FILE = join(CONFIG_DIR, 'rate-limits.json');

const isPolicyName = (name: string): name is RateLimitPolicyName => (RATE_LIMIT_POLICY_NAMES as readonly string[]).includes(name);
const isPositiveInteger = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1;

/**
 * Validates the policies file's content: every named policy defined once, nothing unknown
 * (keys starting with `$` are comments), each with positive integers and a known `by`.
 */
export function parseRateLimitPolicies(content: unknown, source: string): RateLimitPolicies {
  if (typeof content !== 'object' || content === null || Array.isArray(content)) throw new Error(`${source} must hold a JSON object`);
  const entries = Object.entries(content).filter(([name]) => !name.startsWith('$'));
  const unknown = entries.map(([name]) => name).filter((name) => !isPolicyName(name));
  if (unknown.length > 0)
    throw new Error(`${source} defines unknown policies ${unknown.join(', ')} (known: ${RATE_LIMIT_POLICY_NAMES.join(', ')})`);
  const missing = RATE_LIMIT_POLICY_NAMES.filter((name) => !(name in content));
  if (missing.length > 0) throw new Error(`${source} lacks the policies ${missing.join(', ')}`);
  const policies: Partial<RateLimitPolicies> = {};
  for (const [name, value] of entries as Array<[RateLimitPolicyName, unknown]>) {
    const policy = (typeof value === 'object' && value !== null ? value : {}) as Partial<Record<keyof RateLimitPolicy, unknown>>;
    const keys = Object.keys(policy).sort().join(',');
    if (
      keys !== 'by,durationSeconds,points' ||
      !isPositiveInteger(policy.points) ||
      !isPositiveInteger(policy.durationSeconds) ||
      !(RATE_LIMIT_KEYS as readonly unknown[]).includes(policy.by)
    ) {
      throw new Error(
        `${source} policy "${name}" must be { "points": n ≥ 1, "durationSeconds": n ≥ 1, "by": ${RATE_LIMIT_KEYS.map((key) => `"${key}"`).join(' | ')} }`,
      );
    }
    policies[name] = { points: policy.points, durationSeconds: policy.durationSeconds, by: policy.by as RateLimitKey };
  }
  return policies as RateLimitPolicies;
}

/** Reads and validates the default policies (config/rate-limits.json unless told otherwise). */
export function readRateLimitPolicies(file = RATE_LIMITS_FILE): RateLimitPolicies {
  let content: unknown;
  try {
    content = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`rate-limit policies ${file} cannot be read: ${(error as Error).message}`);
  }
  return parseRateLimitPolicies(content, file);
}

/** Applies RATE_LIMITS ("name=points/seconds,…") over the defaults; throws on anything unknown or malformed. */
export function applyRateLimitOverrides(defaults: RateLimitPolicies, spec: string | undefined): RateLimitPolicies {
  const policies: RateLimitPolicies = { ...defaults };
  if (!spec) return policies;
  for (const entry of spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([a-z.]+)=(\d{1,9})\/(\d{1,7})$/.exec(entry);
    if (!match) throw new Error(`RATE_LIMITS entry "${entry}" must look like name=points/seconds`);
    const [, name, points, seconds] = match as unknown as [string, string, string, string];
    if (!isPolicyName(name)) throw new Error(`RATE_LIMITS names unknown policy "${name}" (known: ${RATE_LIMIT_POLICY_NAMES.join(', ')})`);
    if (Number(points) < 1 || Number(seconds) < 1) throw new Error(`RATE_LIMITS entry "${entry}" needs positive numbers`);
    policies[name] = { ...policies[name], points: Number(points), durationSeconds: Number(seconds) };
  }
  return policies;
}
