import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, ERROR_STATUS } from '../errors/domain-error';
import { toErrorResponse } from '../errors/error-mapping';

/**
 * What Node's HTTP parser reports about a connection no route ever sees (SPEC, Errors: every
 * error is JSON with a code, a body that never finishes included):
 * - a header block over Node's limit (16 KB) → 431 HEADERS_TOO_LARGE;
 * - the whole request not received within the request time-out → 408 REQUEST_TIMEOUT;
 * - anything the parser cannot read (request line, header syntax, chunk framing) → 400 BAD_REQUEST,
 *   not VALIDATION_FAILED: there is no body, query or parameter to be invalid yet.
 */
export function clientErrorCode(nodeErrorCode: string | undefined): ErrorCode {
  if (nodeErrorCode === 'HPE_HEADER_OVERFLOW') return 'HEADERS_TOO_LARGE';
  if (nodeErrorCode === 'ERR_HTTP_REQUEST_TIMEOUT') return 'REQUEST_TIMEOUT';
  return 'BAD_REQUEST';
}

const CLIENT_ERROR_MESSAGES: Partial<Record<ErrorCode, string>> = {
  HEADERS_TOO_LARGE: 'The request headers are larger than the server accepts',
  REQUEST_TIMEOUT: 'The request was not received in time',
  BAD_REQUEST: 'The request is not valid HTTP',
};

/** The raw HTTP/1.1 answer to a connection-level error: the spec's JSON, and the connection closed. */
export function clientErrorAnswer(code: ErrorCode): string {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify({ statusCode: status, code, message: CLIENT_ERROR_MESSAGES[code] ?? STATUS_CODES[status] });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * Fastify's `clientErrorHandler`, bound to the instance: replaces its default, whose JSON has
 * no `code`. The socket is written by hand because no request or reply exists yet.
 */
export function answerClientError(this: { log: FastifyBaseLogger }, error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset connection is gone already: there is no one to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = clientErrorCode(error.code);
  // The caller's mistake, not ours: one line at debug, no stack.
  this.log.debug({ clientError: error.code, answer: code }, 'client error');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // end() flushes the answer first; a client that never reads or closes is cut off after it.
  socket.end(clientErrorAnswer(code), () => socket.destroy());
}

/**
 * Fastify's `frameworkErrors`: errors its router raises before any route runs (broken percent
 * encoding, an over-long path parameter) answered like every other error, 400 VALIDATION_FAILED.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const answer = toErrorResponse(error);
  void reply.status(answer.status).headers(answer.headers).send(answer.body);
}
