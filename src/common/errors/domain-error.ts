/**
 * Every error code the API answers with, and its HTTP status. The first block is the
 * product contract (SPEC.md); the second covers transport-level failures.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_CLAIMED: 409,
  ROUND_NOT_OPEN: 409,
  SOLD_OUT: 409,
  VOUCHER_ALREADY_REDEEMED: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  BUDGET_EXCEEDED: 422,
  MIN_SPEND_NOT_MET: 422,
  VOUCHER_NOT_VALID_YET: 422,
  VOUCHER_EXPIRED: 422,
  MERCHANT_NOT_ELIGIBLE: 403,
  REVERSAL_NOT_ALLOWED: 409,
  FOUR_EYES_REQUIRED: 403,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,

  INVALID_STATE: 409,
  CONFLICT: 409,
  /** Not HTTP the server can read: a garbage request line, broken header syntax or chunk framing. */
  BAD_REQUEST: 400,
  /** The request did not arrive whole within REQUEST_TIMEOUT_MS (a body that never finishes). */
  REQUEST_TIMEOUT: 408,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * An expected failure of a business rule, carrying its spec code. Services throw these;
 * the one exception filter turns them into HTTP answers. Nothing here knows about HTTP
 * beyond the status table above.
 */
export class DomainError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Response headers that belong to this error, such as Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string, id?: string): DomainError =>
  new DomainError('NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`);

export const forbidden = (message = 'Not allowed for this caller'): DomainError => new DomainError('FORBIDDEN', message);

export const unauthenticated = (message = 'Missing, invalid or expired credentials'): DomainError =>
  new DomainError('UNAUTHENTICATED', message);

export const serviceUnavailable = (message: string, retryAfterSeconds = 5): DomainError =>
  new DomainError('SERVICE_UNAVAILABLE', message, undefined, { 'Retry-After': String(retryAfterSeconds) });
