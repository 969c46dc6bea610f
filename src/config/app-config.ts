import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { CronExpressionParser } from 'cron-parser';
import { passwordProblem } from '../common/domain/password-policy';
import { isValidTimeZone } from '../common/time';
import { auditSigningKeyProblem, resolveAuditSigningKey } from './audit-signing-key';
import { resolveJwtSecret } from './jwt-secret';
import { applyRateLimitOverrides, RateLimitPolicies, readRateLimitPolicies } from './rate-limits';

// Empty variables never reach these: parseEnvironment treats `NAME=` as unset.
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const text = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value;
};
const toInteger = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value !== 'string'
    ? value
    : value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);

/**
 * The process environment as the service reads it. Every variable is validated once
 * at start-up; a bad value stops the process with a message naming the variable.
 * config/.env.example documents each one with its default (a unit test keeps the two equal).
 */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Required by every process that serves or works (loadAppConfig); `npm start` sets it to its embedded server. */
  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** Required like DATABASE_URL. */
  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  DATA_DIR = '.data';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'AUTH_JWT_SECRET must be at least 32 characters' })
  AUTH_JWT_SECRET?: string;

  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,64}$/, { message: 'BUREAU_ADMIN_USERNAME must be 3-64 letters, digits, _ . -' })
  BUREAU_ADMIN_USERNAME = 'admin';

  @IsOptional()
  @IsString()
  BUREAU_ADMIN_PASSWORD?: string;

  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  @Matches(/^\S{16,256}$/, { message: 'METRICS_TOKEN must be 16-256 characters without spaces' })
  METRICS_TOKEN?: string;

  @IsOptional()
  @IsString()
  CAMPAIGN_TIMEZONE = 'Asia/Shanghai';

  /** Addresses or CIDR ranges (or proxy-addr's names loopback, linklocal, uniquelocal) of the proxies whose X-Forwarded-For is believed. */
  @IsOptional()
  @Transform(toList)
  @IsString({ each: true })
  TRUST_PROXY?: string[];

  /** Run the background worker (BullMQ consumers, schedules) inside the API process. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  RUN_WORKER = true;

  /** Seed the demo programme into an empty database at start-up (set by `npm start`). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  SEED_DEMO = false;

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 20;

  /** Largest accepted request body, in bytes. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  BODY_LIMIT_BYTES = 64 * 1024;

  /** How long a client has to send its whole request (headers and body); then 408 and the connection closed. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  REQUEST_TIMEOUT_MS = 30_000;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3600)
  BUREAU_TOKEN_TTL_SECONDS = 8 * 3600;

  /** Overrides of the named rate-limit policies: "claims.resident=10/60,claims.ip=1200/60". */
  @IsOptional()
  @IsString()
  RATE_LIMITS?: string;

  /** When the daily settlement run starts: a cron pattern in CAMPAIGN_TIMEZONE, checked by BullMQ's own parser. */
  @IsOptional()
  @IsString()
  SETTLEMENT_CRON = '0 2 * * *';

  /** How long a worker's hold on a settlement job lasts without renewal; a dead worker's job is taken over after it. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  SETTLEMENT_JOB_LOCK_SECONDS = 30;

  /** How often a worker re-enqueues open runs the queue has lost. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  SETTLEMENT_RECOVERY_SECONDS = 60;

  /** First retry delay of a failed settlement job; it doubles with each attempt. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(3600_000)
  SETTLEMENT_RETRY_DELAY_MS = 2000;

  /** How many days after a redemption the merchant may still reverse it (a refund). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(366)
  REDEMPTION_REVERSAL_WINDOW_DAYS = 7;

  /** The four-eyes rule on payments, publication and budget rises; unset: on when NODE_ENV=production. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  FOUR_EYES?: boolean = undefined;

  /** Ed25519 private key (PEM, line breaks as real ones or `\n`) signing the audit checkpoints; unset: generated into DATA_DIR. */
  @IsOptional()
  @IsString()
  AUDIT_SIGNING_KEY?: string;

  /** How often the worker signs a checkpoint of the audit log, when it has new events. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(24 * 3600)
  AUDIT_CHECKPOINT_SECONDS = 300;

  /** Let webhook URLs reach loopback, private, link-local and unspecified addresses (tests, a receiver on the same network). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE = false;

  /** How many days before a voucher's validUntil its voucher.expiring event is sent. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(60)
  WEBHOOK_REMINDER_DAYS = 3;

  /** How long a receiver has to answer one delivery attempt. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** Delay before a failed delivery's first retry; it doubles with each further one, up to an hour, for 24 hours. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(3600_000)
  WEBHOOK_RETRY_DELAY_MS = 30_000;

  /** Failed attempts in a row (all of an endpoint's deliveries together) after which the endpoint is disabled. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  WEBHOOK_DISABLE_AFTER_FAILURES = 1000;
}

/**
 * Every variable the service reads (anything else in the environment is ignored): the class's
 * fields, which the compiler defines on every instance (ES2022 class fields) even without a default.
 */
export const ENVIRONMENT_VARIABLES = Object.keys(new EnvironmentVariables()) as ReadonlyArray<keyof EnvironmentVariables>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

const PROXY_ADDRESS_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address, a CIDR range or one of proxy-addr's names: what Fastify's trustProxy list accepts. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_ADDRESS_NAMES.includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}

/** Checks a cron pattern as BullMQ's job scheduler will (same cron-parser, same options), including that it ever fires. */
function cronProblem(pattern: string, tz: string): string | undefined {
  try {
    CronExpressionParser.parse(pattern, { tz, currentDate: new Date() }).next();
    return undefined;
  } catch (error) {
    return `SETTLEMENT_CRON "${pattern}" is not a cron pattern BullMQ can schedule: ${(error as Error).message}`;
  }
}

/** The variables' own checks; problems are collected so one start-up names every bad variable. */
function validateEnvironment(env: NodeJS.ProcessEnv): { parsed: EnvironmentVariables; problems: string[] } {
  const relevant: Record<string, string> = {};
  for (const key of ENVIRONMENT_VARIABLES) {
    const value = env[key];
    // `NAME=` (as in a copied .env.example) means unset, as dotenv and docker compose treat it.
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: true, forbidUnknownValues: true });
  const problems = errors.flatMap((error) => Object.values(error.constraints ?? { invalid: `${error.property} is invalid` }));
  if (!isValidTimeZone(parsed.CAMPAIGN_TIMEZONE)) {
    problems.push(`CAMPAIGN_TIMEZONE "${parsed.CAMPAIGN_TIMEZONE}" is not an IANA time zone`);
  } else if (typeof parsed.SETTLEMENT_CRON === 'string') {
    const problem = cronProblem(parsed.SETTLEMENT_CRON, parsed.CAMPAIGN_TIMEZONE);
    if (problem) problems.push(problem);
  }
  const badProxies = Array.isArray(parsed.TRUST_PROXY) ? parsed.TRUST_PROXY.filter((entry) => !isProxyAddress(entry)) : [];
  if (badProxies.length > 0) {
    problems.push(
      `TRUST_PROXY entries ${badProxies.map((entry) => `"${entry}"`).join(', ')} are not IP addresses, CIDR ranges or ${PROXY_ADDRESS_NAMES.join('/')}`,
    );
  }
  if (typeof parsed.DATA_DIR === 'string' && existsSync(parsed.DATA_DIR) && !statSync(parsed.DATA_DIR).isDirectory()) {
    problems.push(`DATA_DIR "${resolve(parsed.DATA_DIR)}" exists and is not a folder`);
  }
  const adminPasswordProblem =
    parsed.BUREAU_ADMIN_PASSWORD === undefined ? undefined : passwordProblem(parsed.BUREAU_ADMIN_PASSWORD, parsed.BUREAU_ADMIN_USERNAME);
  if (adminPasswordProblem) problems.push(`BUREAU_ADMIN_PASSWORD ${adminPasswordProblem}`);
  if (parsed.NODE_ENV === 'production' && !parsed.AUTH_JWT_SECRET) {
    problems.push('AUTH_JWT_SECRET is required when NODE_ENV=production');
  }
  if (typeof parsed.AUDIT_SIGNING_KEY === 'string') {
    const problem = auditSigningKeyProblem(parsed.AUDIT_SIGNING_KEY);
    if (problem) problems.push(problem);
  } else if (parsed.NODE_ENV === 'production') {
    // A key generated into one container's DATA_DIR would differ per container and vanish with it.
    problems.push('AUDIT_SIGNING_KEY is required when NODE_ENV=production');
  }
  return { parsed, problems };
}

/** Validates the environment; throws a ConfigError listing every bad variable. */
export function parseEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const { parsed, problems } = validateEnvironment(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}

/**
 * The configuration of a process that serves or works (API, worker, command-line tools): the
 * environment validated, both server URLs present (nothing here starts a server: `npm start`'s
 * launcher does, scripts/dev), the default rate-limit policies read from config/ with RATE_LIMITS
 * over them, and the JWT and audit signing keys settled. Throws one ConfigError naming every problem.
 */
export function loadAppConfig(env: NodeJS.ProcessEnv, rateLimitsFile?: string): AppConfig {
  const { parsed, problems } = validateEnvironment(env);
  for (const name of ['DATABASE_URL', 'REDIS_URL'] as const) {
    if (!parsed[name]) problems.push(`${name} is required (npm start sets it to an embedded server; see config/.env.example)`);
  }
  let rateLimits: RateLimitPolicies | undefined;
  try {
    rateLimits = applyRateLimitOverrides(readRateLimitPolicies(rateLimitsFile), parsed.RATE_LIMITS);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0 || !rateLimits || !parsed.DATABASE_URL || !parsed.REDIS_URL) throw new ConfigError(problems);
  return toAppConfig(parsed, {
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    rateLimits,
    authJwtSecret: resolveJwtSecret(parsed),
    auditSigningKey: resolveAuditSigningKey(parsed),
  });
}

/** How webhook delivery attempts are spaced and when a delivery or an endpoint is given up on. */
export interface WebhookRetryPolicy {
  /** Delay before the first retry; doubled for each further one. */
  readonly firstDelayMs: number;
  /** No retry waits longer than this. */
  readonly maxDelayMs: number;
  /** Retries go on until this long has passed since the delivery was created. */
  readonly windowMs: number;
  /** An endpoint is disabled after this many failed attempts in a row (all its deliveries together). */
  readonly disableAfterFailures: number;
}

/** The resolved configuration the application runs with: every value final. */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly port: number;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly dataDir: string;
  readonly authJwtSecret: string;
  readonly bureauAdminUsername: string;
  /** Unset: a password is generated and printed once when the admin is created. */
  readonly bureauAdminPassword?: string;
  readonly bureauTokenTtlSeconds: number;
  /** Unset: /metrics answers anyone. */
  readonly metricsToken?: string;
  readonly campaignTimezone: string;
  readonly trustProxy: readonly string[];
  readonly runWorker: boolean;
  readonly seedDemo: boolean;
  readonly logLevel: EnvironmentVariables['LOG_LEVEL'];
  readonly dbPoolSize: number;
  readonly bodyLimitBytes: number;
  readonly requestTimeoutMs: number;
  readonly rateLimits: RateLimitPolicies;
  readonly settlement: {
    readonly cron: string;
    readonly jobLockSeconds: number;
    readonly recoverySeconds: number;
    readonly retryDelayMs: number;
  };
  readonly redemptionReversalWindowDays: number;
  /** Money and publication need two different staff members (spec, Staff and audit). */
  readonly fourEyes: boolean;
  readonly audit: {
    /** Ed25519 private key, PEM. */
    readonly signingKey: string;
    readonly checkpointSeconds: number;
  };
  readonly webhooks: {
    readonly allowPrivate: boolean;
    readonly reminderDays: number;
    readonly timeoutMs: number;
    readonly retry: WebhookRetryPolicy;
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Webhook retries never wait longer than an hour, and go on for 24 hours (SPEC: at least 24 hours). */
const WEBHOOK_MAX_RETRY_DELAY_MS = 3600_000;
const WEBHOOK_RETRY_WINDOW_MS = 24 * 3600_000;

function toAppConfig(
  env: EnvironmentVariables,
  resolved: { databaseUrl: string; redisUrl: string; rateLimits: RateLimitPolicies; authJwtSecret: string; auditSigningKey: string },
): AppConfig {
  return Object.freeze({
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    databaseUrl: resolved.databaseUrl,
    redisUrl: resolved.redisUrl,
    dataDir: env.DATA_DIR,
    authJwtSecret: resolved.authJwtSecret,
    bureauAdminUsername: env.BUREAU_ADMIN_USERNAME,
    bureauAdminPassword: env.BUREAU_ADMIN_PASSWORD,
    metricsToken: env.METRICS_TOKEN,
    bureauTokenTtlSeconds: env.BUREAU_TOKEN_TTL_SECONDS,
    campaignTimezone: env.CAMPAIGN_TIMEZONE,
    trustProxy: env.TRUST_PROXY ?? [],
    runWorker: env.RUN_WORKER,
    seedDemo: env.SEED_DEMO,
    logLevel: env.LOG_LEVEL,
    dbPoolSize: env.DB_POOL_SIZE,
    bodyLimitBytes: env.BODY_LIMIT_BYTES,
    requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
    rateLimits: resolved.rateLimits,
    settlement: Object.freeze({
      cron: env.SETTLEMENT_CRON,
      jobLockSeconds: env.SETTLEMENT_JOB_LOCK_SECONDS,
      recoverySeconds: env.SETTLEMENT_RECOVERY_SECONDS,
      retryDelayMs: env.SETTLEMENT_RETRY_DELAY_MS,
    }),
    redemptionReversalWindowDays: env.REDEMPTION_REVERSAL_WINDOW_DAYS,
    fourEyes: env.FOUR_EYES ?? env.NODE_ENV === 'production',
    audit: Object.freeze({ signingKey: resolved.auditSigningKey, checkpointSeconds: env.AUDIT_CHECKPOINT_SECONDS }),
    webhooks: Object.freeze({
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      reminderDays: env.WEBHOOK_REMINDER_DAYS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      retry: Object.freeze({
        firstDelayMs: env.WEBHOOK_RETRY_DELAY_MS,
        maxDelayMs: Math.max(WEBHOOK_MAX_RETRY_DELAY_MS, env.WEBHOOK_RETRY_DELAY_MS),
        windowMs: WEBHOOK_RETRY_WINDOW_MS,
        disableAfterFailures: env.WEBHOOK_DISABLE_AFTER_FAILURES,
      }),
    }),
  });
}
