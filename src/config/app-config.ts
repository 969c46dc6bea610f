import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';
import { isValidTimeZone } from '../common/time';
import { parseRateLimits, RateLimitPolicies } from '../rate-limit/rate-limit.policies';

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string' || value === '') return value === '' ? undefined : value;
  const text = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  return value;
};
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value !== 'string' ? value : value === '' ? undefined : /^-?\d+$/.test(value) ? Number(value) : value;
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value !== 'string'
    ? value
    : value === ''
      ? undefined
      : value
          .split(',')
          .map((part) => part.trim())
          .filter(Boolean);

/**
 * The process environment as the service reads it. Every variable is validated once
 * at start-up; a bad value stops the process with a message naming the variable.
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

  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
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
  @MinLength(8, { message: 'BUREAU_ADMIN_PASSWORD must be at least 8 characters' })
  @MaxLength(256)
  BUREAU_ADMIN_PASSWORD?: string;

  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  @Matches(/^\S{16,256}$/, { message: 'METRICS_TOKEN must be 16-256 characters without spaces' })
  METRICS_TOKEN?: string;

  @IsOptional()
  @IsString()
  CAMPAIGN_TIMEZONE = 'Asia/Shanghai';

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

  /** When the daily settlement run starts: a cron pattern in CAMPAIGN_TIMEZONE. */
  @IsOptional()
  @IsString()
  @Matches(/^\S+(\s+\S+){4,5}$/, { message: 'SETTLEMENT_CRON must be a cron pattern of 5 or 6 fields' })
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
}

/** Every variable the service reads; anything else in the environment is ignored. */
const ENVIRONMENT_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'DATABASE_URL',
  'REDIS_URL',
  'DATA_DIR',
  'AUTH_JWT_SECRET',
  'BUREAU_ADMIN_USERNAME',
  'BUREAU_ADMIN_PASSWORD',
  'METRICS_TOKEN',
  'CAMPAIGN_TIMEZONE',
  'TRUST_PROXY',
  'RUN_WORKER',
  'SEED_DEMO',
  'LOG_LEVEL',
  'DB_POOL_SIZE',
  'BODY_LIMIT_BYTES',
  'BUREAU_TOKEN_TTL_SECONDS',
  'RATE_LIMITS',
  'SETTLEMENT_CRON',
  'SETTLEMENT_JOB_LOCK_SECONDS',
  'SETTLEMENT_RECOVERY_SECONDS',
  'SETTLEMENT_RETRY_DELAY_MS',
  'REDEMPTION_REVERSAL_WINDOW_DAYS',
] as const satisfies ReadonlyArray<keyof EnvironmentVariables>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/** Validates the environment; throws a ConfigError listing every bad variable. */
export function parseEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const relevant: Record<string, string> = {};
  for (const key of ENVIRONMENT_VARIABLES) {
    const value = env[key];
    if (value !== undefined) relevant[key] = value;
  }
  const parsed = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: true, forbidUnknownValues: true });
  const problems = errors.flatMap((error) => Object.values(error.constraints ?? { invalid: `${error.property} is invalid` }));
  if (!isValidTimeZone(parsed.CAMPAIGN_TIMEZONE)) {
    problems.push(`CAMPAIGN_TIMEZONE "${parsed.CAMPAIGN_TIMEZONE}" is not an IANA time zone`);
  }
  try {
    parseRateLimits(parsed.RATE_LIMITS);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (parsed.NODE_ENV === 'production' && !parsed.AUTH_JWT_SECRET) {
    problems.push('AUTH_JWT_SECRET is required when NODE_ENV=production');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}

/**
 * The resolved configuration the application runs with: every value final,
 * embedded servers already started and their URLs filled in.
 */
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
  readonly rateLimits: RateLimitPolicies;
  readonly settlement: {
    readonly cron: string;
    readonly jobLockSeconds: number;
    readonly recoverySeconds: number;
    readonly retryDelayMs: number;
  };
  readonly redemptionReversalWindowDays: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

export function toAppConfig(
  env: EnvironmentVariables,
  resolved: { databaseUrl: string; redisUrl: string; authJwtSecret: string },
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
    rateLimits: parseRateLimits(env.RATE_LIMITS),
    settlement: Object.freeze({
      cron: env.SETTLEMENT_CRON,
      jobLockSeconds: env.SETTLEMENT_JOB_LOCK_SECONDS,
      recoverySeconds: env.SETTLEMENT_RECOVERY_SECONDS,
      retryDelayMs: env.SETTLEMENT_RETRY_DELAY_MS,
    }),
    redemptionReversalWindowDays: env.REDEMPTION_REVERSAL_WINDOW_DAYS,
  });
}
