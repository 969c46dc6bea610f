import { HttpException } from '@nestjs/common';
import { DomainError, ERROR_STATUS, ErrorCode } from './domain-error';

export interface ErrorResponse {
  status: number;
  body: { statusCode: number; code: string; message: string; details?: unknown };
  headers: Record<string, string>;
  /** True when the failure is ours, not the caller's: it is logged with its stack. */
  unexpected: boolean;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

const RETRY_SOON = { 'Retry-After': '5' };

/** PostgreSQL SQLSTATE classes meaning "the database is away or refusing work right now". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /connection is closed/i,
  /Stream isn't writeable/i,
  /timeout exceeded when trying to connect/i,
  /Reached the max retries per request limit/i,
  /Client has encountered a connection error/i,
  /the database system is (starting up|shutting down)/i,
];

function isDependencyOutage(error: { code?: unknown; message?: unknown; name?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  return (
    UNAVAILABLE_SQLSTATE.test(code) ||
    UNAVAILABLE_NODE_CODES.has(code) ||
    error.name === 'MaxRetriesPerRequestError' ||
    UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))
  );
}

function respond(code: ErrorCode, message: string, details?: unknown, headers: Record<string, string> = {}): ErrorResponse {
  const status = ERROR_STATUS[code];
  return {
    status,
    body: details === undefined ? { statusCode: status, code, message } : { statusCode: status, code, message, details },
    headers,
    unexpected: status >= 500 && code !== 'SERVICE_UNAVAILABLE',
  };
}

/**
 * Turns anything thrown while serving a request into the spec's error shape. Callers'
 * mistakes become 4xx with a code; an unreachable dependency becomes 503 with
 * Retry-After; anything else is a 500 whose details never leave the server.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof DomainError) {
    return respond(error.code, error.message, error.details, { ...error.headers });
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_FAILED');
    const response = error.getResponse();
    const message = typeof response === 'object' && response !== null && 'message' in response ? String(response.message) : error.message;
    if (status === 503) return respond('SERVICE_UNAVAILABLE', 'A dependency is unavailable. Try again shortly.', undefined, RETRY_SOON);
    return respond(code, status >= 500 ? 'Internal error' : message);
  }
  if (typeof error === 'object' && error !== null) {
    const candidate = error as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
    // Fastify's own errors (broken JSON, body too large, wrong content type) carry a 4xx statusCode.
    if (typeof candidate.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
      const code = CODE_BY_STATUS[candidate.statusCode] ?? 'VALIDATION_FAILED';
      return respond(code, typeof candidate.message === 'string' ? candidate.message : 'Bad request');
    }
    if (isDependencyOutage(candidate)) {
      return respond('SERVICE_UNAVAILABLE', 'A dependency is unavailable; nothing was done. Try again shortly.', undefined, RETRY_SOON);
    }
    // A value PostgreSQL could not parse is the caller's malformed input that slipped past validation.
    if (candidate.code === '22P02' || candidate.code === '22003' || candidate.code === '22007' || candidate.code === '22008') {
      return respond('VALIDATION_FAILED', 'A value in the request is malformed or out of range');
    }
  }
  return respond('INTERNAL_ERROR', 'Internal error');
}
