import { INestApplication, INestApplicationContext, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import helmet from '@fastify/helmet';
import { LogController } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { ClaimStateLoader } from './claims/claim-state.loader';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { answerClientError, answerFrameworkError } from './common/http/client-errors';
import { useJsonOnlyBodies } from './common/http/json-body';
import { createValidationPipe } from './common/validation/validation';
import type { AppConfig } from './config/app-config';
import { createLogger, logEveryRequest, NestPinoLogger, requestId } from './logging/logger';
import { WorkerModule } from './worker.module';

export const API_PREFIX = 'api/v1';

/** Routes served outside the /api/v1 prefix. */
const OPERATIONS_ROUTES = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/live', method: RequestMethod.POST },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
  { path: 'dashboard', method: RequestMethod.ALL },
  { path: 'dashboard/{*path}', method: RequestMethod.ALL },
  { path: 'wallet', method: RequestMethod.ALL },
  { path: 'cashier', method: RequestMethod.ALL },
  { path: 'pages/{*path}', method: RequestMethod.ALL },
  { path: 'admin/{*path}', method: RequestMethod.ALL },
];

/**
 * Builds the HTTP application exactly as production runs it; end-to-end tests call this
 * too, so what they exercise is what ships.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = createLogger(config);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One line per request instead of Fastify's two (logEveryRequest).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // A request (headers and body) must arrive whole in time, or it is answered 408 and its
    // connection closed: a body that starts and never finishes holds nothing for long.
    requestTimeout: config.requestTimeoutMs,
    http: {
      // Node derives its headers time-out (60 s) from its own request time-out, because Fastify
      // sets ours after the server is made; a headers time-out longer than the request's makes
      // Node swap the two, and a body that stops short would then be cut off only after 60 s.
      headersTimeout: Math.min(60_000, config.requestTimeoutMs),
      // Node looks for expired requests only this often (30 s by default, our default time-out);
      // once a second keeps the answer close to the time-out for little work.
      connectionsCheckingInterval: Math.min(1000, config.requestTimeoutMs),
    },
    // Connection-level errors (oversized headers, unreadable HTTP, the time-out above) and the
    // router's (broken percent-encoding) in the spec's shape instead of Fastify's code-less JSON.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    genReqId: requestId,
    requestIdHeader: false,
    // No Express-style middleware is used; without it every request skips @fastify/middie.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    // Body parsing is ours (useJsonOnlyBodies): JSON only, strict, bounded.
    bodyParser: false,
  });
  app.useLogger(new NestPinoLogger(logger));
  app.setGlobalPrefix(API_PREFIX, { exclude: OPERATIONS_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  // Errors Fastify raises before a route runs (body too large, unknown content type) reach
  // AllExceptionsFilter through Nest's adapter, so they get the same shape as every other error.
  const fastify = app.getHttpAdapter().getInstance();
  useJsonOnlyBodies(fastify, config.bodyLimitBytes);
  logEveryRequest(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });

  await app.register(helmet, {
    // Same-origin scripts only, everywhere: the dashboard, the queue board and Swagger UI
    // (whose initialiser is a file, /docs/swagger-ui-init.js) load no inline script; styles
    // may be inline (Swagger UI and the queue board set them), images may be data: URLs.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        frameAncestors: ["'none'"],
        // Plain HTTP in development and tests; TLS is the proxy's (HSTS says so there).
        upgradeInsecureRequests: null,
      },
    },
    frameguard: { action: 'deny' },
  });
  setUpOpenApi(app);
  await app.init();
  // Only the API serves claims, so only an API process rebuilds their Redis state on start.
  await app.get(ClaimStateLoader).reconcileAtStart();
  return app;
}

/**
 * The worker process: no HTTP server, only the background modules (WorkerModule), so it
 * runs no claim-state rebuild and no admin or demo seeding.
 */
export async function createWorkerContext(config: AppConfig): Promise<INestApplicationContext> {
  const context = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  context.useLogger(new NestPinoLogger(createLogger(config)));
  await context.init();
  return context;
}

function setUpOpenApi(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Juhui API')
      .setDescription(
        'Government consumer-voucher campaigns: bureau set-up, flash claims, checkout redemption, settlement and statistics. ' +
          'Money is integer fen; times are ISO 8601 with offset; errors are {statusCode, code, message}.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A JWT (resident, merchant, bureau) or a merchant API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
