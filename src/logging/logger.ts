import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import pino, { Level, Logger as Pino } from 'pino';
import type { AppConfig } from '../config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A caller-supplied X-Request-Id when it is sane, else a new one. Fastify assigns it to the
 * request (createApp echoes it in the response) and the request's log line carries it.
 */
export function requestId(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/** Credentials, idempotency keys and account numbers are redacted at the source. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  '*.accountNumber',
  '*.password',
  '*.apiKey',
];

/**
 * Readable lines for a person at a terminal (`npm start`): outside production, with stdout a
 * TTY, and pino-pretty installed (a devDependency, so a production install never needs it).
 * Everywhere else JSON lines, for log collectors.
 */
export function wantsPrettyLogs(nodeEnv: AppConfig['nodeEnv'], stdoutIsTty: boolean): boolean {
  if (nodeEnv === 'production' || !stdoutIsTty) return false;
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** The process's one structured logger (pino): JSON lines, or pino-pretty's at a terminal. */
export function createLogger(config: Pick<AppConfig, 'logLevel' | 'nodeEnv'>): Pino {
  const options = { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (!wantsPrettyLogs(config.nodeEnv, process.stdout.isTTY === true)) return pino(options);
  // Formatted in a worker thread; pino resolves the target by name, so nothing imports it here.
  return pino({
    ...options,
    transport: {
      target: 'pino-pretty',
      options: {
        colorize: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,context',
        messageFormat: '{if context}[{context}] {end}{msg}',
      },
    },
  });
}

/**
 * One log line per request, with its request id (Fastify's per-request logger binds `reqId`),
 * written when the response has been sent. This replaces nestjs-pino's pino-http middleware,
 * which ran through Nest's middleware layer (@fastify/middie), built a child logger with
 * serializers and redaction for every request, and kept it in an AsyncLocalStorage — which on
 * Node 20 switches on promise hooks for every promise the process creates. The claim path
 * creates many (Redis, PostgreSQL), so that cost it more than the claim logic itself
 * (measured; README "### Claims").
 */
export function logEveryRequest(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level: Level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    request.log[level](
      { method: request.method, url: request.url, statusCode: status, responseTime: reply.elapsedTime },
      'request completed',
    );
    done();
  });
}

/** Nest's own messages (start-up, unexpected errors) through the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, context?: string): void {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string): void {
    // Nest calls error(message, stack, context) or error(message, context).
    this.write('error', message, context ?? stackOrContext, context ? stackOrContext : undefined);
  }
  warn(message: unknown, context?: string): void {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string): void {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string): void {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string): void {
    this.write('fatal', message, context);
  }

  private write(level: Level, message: unknown, context?: string, stack?: string): void {
    if (!this.pino.isLevelEnabled(level)) return;
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ context, ...message });
    else this.pino[level]({ context, ...(stack ? { stack } : {}) }, String(message));
  }
}
