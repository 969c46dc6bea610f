import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ENVIRONMENT_VARIABLES, EnvironmentVariables, loadAppConfig, parseEnvironment } from './app-config';
import { CONFIG_DIR } from './config-files';
import { RATE_LIMIT_POLICY_NAMES, readRateLimitPolicies } from './rate-limits';

const pemOf = (type: 'ed25519' | 'ed448' | 'x25519'): string =>
  generateKeyPairSync(type as 'ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

/** What a serving process needs at least (the keys given, so nothing is generated into .data); everything else has a default. */
const SERVERS = {
  DATABASE_URL: 'postgres://u:p@db:5432/juhui',
  REDIS_URL: 'redis://cache:6379',
  AUTH_JWT_SECRET: 'x'.repeat(32),
  AUDIT_SIGNING_KEY: pemOf('ed25519'),
};

function problems(env: NodeJS.ProcessEnv, rateLimitsFile?: string): string[] {
  try {
    loadAppConfig(env, rateLimitsFile);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

/** The active `NAME=value` lines of config/.env.example, with whether a comment line precedes each. */
function exampleVariables(): Array<{ name: string; value: string; explained: boolean }> {
  const lines = readFileSync(join(CONFIG_DIR, '.env.example'), 'utf8').split('\n');
  return lines.flatMap((line, index) => {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    return match ? [{ name: match[1], value: match[2], explained: (lines[index - 1] ?? '').startsWith('# ') }] : [];
  });
}

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadAppConfig(SERVERS);
    expect(config).toMatchObject({
      port: 3000,
      dataDir: '.data',
      campaignTimezone: 'Asia/Shanghai',
      bureauAdminUsername: 'admin',
      runWorker: true,
    });
    expect(config.trustProxy).toEqual([]);
    expect(config.rateLimits['claims.resident']).toEqual({ points: 10, durationSeconds: 60, by: 'principal' });
  });

  it('reads lists, numbers and booleans, and treats an empty variable as unset', () => {
    const config = loadAppConfig({
      ...SERVERS,
      PORT: '8080',
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8, loopback',
      RUN_WORKER: 'false',
      RATE_LIMITS: 'claims.ip=5/10',
      LOG_LEVEL: '',
    });
    expect(config.port).toBe(8080);
    expect(config.trustProxy).toEqual(['127.0.0.1', '10.0.0.0/8', 'loopback']);
    expect(config.runWorker).toBe(false);
    expect(config.logLevel).toBe('info');
    expect(config.rateLimits['claims.ip']).toEqual({ points: 5, durationSeconds: 10, by: 'ip' });
  });

  it('requires DATABASE_URL and REDIS_URL of a serving process, naming both', () => {
    const found = problems({ AUTH_JWT_SECRET: SERVERS.AUTH_JWT_SECRET }).join('\n');
    expect(found).toContain('DATABASE_URL is required');
    expect(found).toContain('REDIS_URL is required');
  });

  // One bad value for every variable the service reads; a variable added without a row here fails the next test.
  const BAD_VALUES: Record<keyof EnvironmentVariables, string> = {
    NODE_ENV: 'staging',
    PORT: 'eighty',
    DATABASE_URL: 'mysql://db/juhui',
    REDIS_URL: 'http://cache',
    DATA_DIR: __filename,
    AUTH_JWT_SECRET: 'short',
    BUREAU_ADMIN_USERNAME: 'a b',
    BUREAU_ADMIN_PASSWORD: 'short',
    METRICS_TOKEN: 'has spaces in it, sixteen+',
    CAMPAIGN_TIMEZONE: 'Mars/Olympus',
    TRUST_PROXY: '10.0.0.0/8, proxy.example',
    RUN_WORKER: 'maybe',
    SEED_DEMO: 'sometimes',
    LOG_LEVEL: 'loud',
    DB_POOL_SIZE: '0',
    BODY_LIMIT_BYTES: '10',
    REQUEST_TIMEOUT_MS: '0',
    BUREAU_TOKEN_TTL_SECONDS: '5',
    RATE_LIMITS: 'claims.ip=lots',
    SETTLEMENT_CRON: '0 0 30 2 *',
    SETTLEMENT_JOB_LOCK_SECONDS: '0',
    SETTLEMENT_RECOVERY_SECONDS: '3601',
    SETTLEMENT_RETRY_DELAY_MS: '1',
    REDEMPTION_REVERSAL_WINDOW_DAYS: '-1',
    FOUR_EYES: 'both',
    AUDIT_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\\nnot a key\\n-----END PRIVATE KEY-----',
    AUDIT_CHECKPOINT_SECONDS: '0',
    WEBHOOK_ALLOW_PRIVATE: 'perhaps',
    WEBHOOK_REMINDER_DAYS: '0',
    WEBHOOK_TIMEOUT_MS: '10s',
    WEBHOOK_RETRY_DELAY_MS: '5',
    WEBHOOK_DISABLE_AFTER_FAILURES: '0',
  };

  it('has a bad-value case for every variable', () => {
    expect(Object.keys(BAD_VALUES).sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
  });

  it.each(Object.entries(BAD_VALUES))('stops on a bad %s, naming it', (name, value) => {
    const found = problems({ ...SERVERS, [name]: value });
    expect(found.length).toBeGreaterThan(0);
    for (const problem of found) expect(problem).toContain(name);
  });

  it.each([
    ['61 * * * *', 'a minute out of range'],
    ['* * * * * * *', 'too many fields'],
    ['0 2 * * mon-', 'a broken range'],
  ])('refuses SETTLEMENT_CRON "%s" (%s) as BullMQ would', (cron) => {
    expect(problems({ ...SERVERS, SETTLEMENT_CRON: cron }).join('\n')).toContain('SETTLEMENT_CRON');
  });

  it.each([
    [{ NODE_ENV: 'production', AUTH_JWT_SECRET: '' }, 'AUTH_JWT_SECRET'],
    [{ NODE_ENV: 'production', AUDIT_SIGNING_KEY: '' }, 'AUDIT_SIGNING_KEY is required'],
    [{ AUDIT_SIGNING_KEY: pemOf('ed448') }, 'AUDIT_SIGNING_KEY is a ed448 key, not Ed25519'],
    [{ AUDIT_SIGNING_KEY: pemOf('x25519') }, 'AUDIT_SIGNING_KEY is a x25519 key, not Ed25519'],
    [{ RATE_LIMITS: 'nope=1/1' }, 'nope'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
  ])('stops on %j naming %s', (env, name) => {
    expect(problems({ ...SERVERS, ...env }).join('\n')).toContain(name);
  });

  it('reads the signing key with real line breaks or \\n, and generates one into DATA_DIR once when unset', () => {
    const pem = SERVERS.AUDIT_SIGNING_KEY;
    expect(loadAppConfig({ ...SERVERS, AUDIT_SIGNING_KEY: pem.replace(/\n/g, '\\n') }).audit.signingKey).toBe(pem);
    const dataDir = mkdtempSync(join(tmpdir(), 'juhui-data-'));
    try {
      const unset = { ...SERVERS, AUDIT_SIGNING_KEY: '', DATA_DIR: dataDir };
      const generated = loadAppConfig(unset).audit.signingKey;
      expect(problems({ ...SERVERS, AUDIT_SIGNING_KEY: generated })).toEqual([]);
      expect(loadAppConfig(unset).audit.signingKey).toBe(generated);
      expect(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8')).toBe(generated);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('accepts the patterns it documents', () => {
    for (const cron of ['0 2 * * *', '30 1 * * 1-5', '0 0 2 * * *', '@daily'])
      expect(problems({ ...SERVERS, SETTLEMENT_CRON: cron })).toEqual([]);
  });
});

describe('config/.env.example', () => {
  const example = exampleVariables();

  it('names every variable the service reads, once, each with a comment saying what it means', () => {
    expect(example.map((v) => v.name).sort()).toEqual([...ENVIRONMENT_VARIABLES].sort());
    expect(example.filter((v) => !v.explained).map((v) => v.name)).toEqual([]);
  });

  it("gives each variable's default, and leaves empty those without one", () => {
    const defaults = new EnvironmentVariables();
    for (const { name, value } of example) {
      const fallback = defaults[name as keyof EnvironmentVariables];
      expect([name, value]).toEqual([name, fallback === undefined ? '' : String(fallback)]);
    }
  });

  it('is itself a valid configuration, equal to the defaults', () => {
    const env = Object.fromEntries(example.map((v) => [v.name, v.value]));
    expect(parseEnvironment(env)).toEqual(parseEnvironment({}));
  });
});

describe('config/rate-limits.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'juhui-rate-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const withFile = (content: unknown): string[] => {
    const file = join(dir, 'rate-limits.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return problems(SERVERS, file);
  };
  const valid = readRateLimitPolicies();

  it('defines every policy the routes name', () => {
    expect(Object.keys(valid).sort()).toEqual([...RATE_LIMIT_POLICY_NAMES].sort());
  });

  it('is what the configuration runs with, RATE_LIMITS over it', () => {
    expect(withFile({ ...valid, 'claims.ip': { points: 7, durationSeconds: 9, by: 'ip' } })).toEqual([]);
    const config = loadAppConfig({ ...SERVERS, RATE_LIMITS: 'claims.resident=3/30' }, join(dir, 'rate-limits.json'));
    expect(config.rateLimits['claims.ip']).toEqual({ points: 7, durationSeconds: 9, by: 'ip' });
    expect(config.rateLimits['claims.resident']).toEqual({ points: 3, durationSeconds: 30, by: 'principal' });
  });

  it.each([
    ['not JSON', '{'],
    ['a missing policy', { ...valid, 'claims.ip': undefined }],
    ['an unknown policy', { ...valid, 'claims.everyone': { points: 1, durationSeconds: 1, by: 'ip' } }],
    ['zero points', { ...valid, 'claims.ip': { points: 0, durationSeconds: 60, by: 'ip' } }],
    ['an unknown counting key', { ...valid, 'claims.ip': { points: 1, durationSeconds: 60, by: 'device' } }],
    ['an unknown field', { ...valid, 'claims.ip': { points: 1, durationSeconds: 60, by: 'ip', burst: 5 } }],
  ])('stops the start-up on %s, naming the file', (_what, content) => {
    expect(withFile(content).join('\n')).toContain(join(dir, 'rate-limits.json'));
  });
});
