/** A fixed window: at most `points` requests per `durationSeconds`, counted per key. */
export interface RateLimitPolicy {
  points: number;
  durationSeconds: number;
  /** Whose requests are counted together: the authenticated caller, or the client IP. */
  by: 'principal' | 'ip';
}

/**
 * The named policies routes refer to, with defaults that stop a bot but not a person.
 * Each can be changed without a code change: RATE_LIMITS="claims.resident=5/60,claims.ip=2000/60".
 * Per-IP limits are generous because many residents share a carrier's NAT address.
 */
export const DEFAULT_RATE_LIMITS = {
  'claims.resident': { points: 10, durationSeconds: 60, by: 'principal' },
  'claims.ip': { points: 1200, durationSeconds: 60, by: 'ip' },
  'redemptions.merchant': { points: 600, durationSeconds: 60, by: 'principal' },
  'vouchers.verify.merchant': { points: 1200, durationSeconds: 60, by: 'principal' },
  'auth.login.ip': { points: 20, durationSeconds: 60, by: 'ip' },
  // Failed API keys and tokens per client address: a person mistypes a few, a guesser thousands.
  'auth.failures.ip': { points: 30, durationSeconds: 60, by: 'ip' },
} as const satisfies Record<string, RateLimitPolicy>;

export type RateLimitPolicyName = keyof typeof DEFAULT_RATE_LIMITS;
export type RateLimitPolicies = Record<RateLimitPolicyName, RateLimitPolicy>;

/** Parses RATE_LIMITS ("name=points/seconds,…") over the defaults; throws on anything unknown or malformed. */
export function parseRateLimits(spec: string | undefined): RateLimitPolicies {
  const policies: RateLimitPolicies = { ...DEFAULT_RATE_LIMITS };
  if (!spec) return policies;
  for (const entry of spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([a-z.]+)=(\d{1,9})\/(\d{1,7})$/.exec(entry);
    if (!match) throw new Error(`RATE_LIMITS entry "${entry}" must look like name=points/seconds`);
    const [, name, points, seconds] = match as unknown as [string, string, string, string];
    if (!(name in policies)) throw new Error(`RATE_LIMITS names unknown policy "${name}" (known: ${Object.keys(policies).join(', ')})`);
    if (Number(points) < 1 || Number(seconds) < 1) throw new Error(`RATE_LIMITS entry "${entry}" needs positive numbers`);
    const key = name as RateLimitPolicyName;
    policies[key] = { ...policies[key], points: Number(points), durationSeconds: Number(seconds) };
  }
  return policies;
}
