import { ConfigError, parseEnvironment, toAppConfig } from './app-config';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    parseEnvironment(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

describe('configuration', () => {
  it('has working defaults', () => {
    const env = parseEnvironment({});
    expect(env).toMatchObject({
      PORT: 3000,
      DATA_DIR: '.data',
      CAMPAIGN_TIMEZONE: 'Asia/Shanghai',
      BUREAU_ADMIN_USERNAME: 'admin',
      RUN_WORKER: true,
    });
    const config = toAppConfig(env, { databaseUrl: 'postgres://x', redisUrl: 'redis://x', authJwtSecret: 's' });
    expect(config.trustProxy).toEqual([]);
    expect(config.rateLimits['claims.resident'].points).toBeGreaterThan(0);
  });

  it('reads lists, numbers and booleans', () => {
    const env = parseEnvironment({
      PORT: '8080',
      TRUST_PROXY: '127.0.0.1, 10.0.0.0/8',
      RUN_WORKER: 'false',
      RATE_LIMITS: 'claims.ip=5/10',
    });
    expect(env.PORT).toBe(8080);
    expect(env.TRUST_PROXY).toEqual(['127.0.0.1', '10.0.0.0/8']);
    expect(env.RUN_WORKER).toBe(false);
    const config = toAppConfig(env, { databaseUrl: 'postgres://x', redisUrl: 'redis://x', authJwtSecret: 's' });
    expect(config.rateLimits['claims.ip']).toEqual({ points: 5, durationSeconds: 10, by: 'ip' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ CAMPAIGN_TIMEZONE: 'Mars/Olympus' }, 'CAMPAIGN_TIMEZONE'],
    [{ AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
    [{ NODE_ENV: 'production' }, 'AUTH_JWT_SECRET'],
    [{ RUN_WORKER: 'maybe' }, 'RUN_WORKER'],
    [{ RATE_LIMITS: 'claims.ip=lots' }, 'RATE_LIMITS'],
    [{ RATE_LIMITS: 'nope=1/1' }, 'nope'],
    [{ BUREAU_ADMIN_PASSWORD: 'short' }, 'BUREAU_ADMIN_PASSWORD'],
  ])('stops on %j naming %s', (env, name) => {
    expect(problems(env).join('\n')).toContain(name);
  });
});
