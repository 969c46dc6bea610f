/**
 * Counts failed authentication attempts per client address. Declared here and provided by
 * the rate-limit module (its shared Redis counters), so auth depends on no other folder
 * for it and rate-limit, which reads the caller from auth, stays the only direction.
 */
export const AUTH_FAILURE_LIMITER = Symbol('AUTH_FAILURE_LIMITER');

export interface AuthFailureLimiter {
  /** Counts one failure from `ip`; throws RATE_LIMITED (with Retry-After) once past the limit. */
  recordFailure(ip: string): Promise<void>;
}
