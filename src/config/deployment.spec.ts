import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';
import { CONFIG_DIR } from './config-files';

// No Docker engine runs the tests: these read docker-compose.yml, the Dockerfile and
// .dockerignore as compose and Docker would and check what a production deployment relies on.
const ROOT = join(CONFIG_DIR, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
}

// Compose resolves YAML merge keys (<<), which js-yaml 5 leaves off by default.
const compose = load(read('docker-compose.yml'), { schema: CORE_SCHEMA.withTags(mergeTag) }) as { services: Record<string, Service> };
const { services } = compose;
const SECRETS = ['AUTH_JWT_SECRET', 'AUDIT_SIGNING_KEY', 'BUREAU_ADMIN_PASSWORD', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD'];

describe('docker-compose.yml', () => {
  it('runs PostgreSQL, Redis, the API and the worker as separate services', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    expect(services.api.command).toEqual(['node', 'dist/src/main.js']);
    expect(services.api.environment?.RUN_WORKER).toBe('false');
    expect(services.worker.command).toEqual(['node', 'dist/src/worker.js']);
  });

  it.each(['postgres', 'redis', 'api', 'worker'])('gives %s a health check and a restart policy', (name) => {
    expect(services[name].healthcheck?.test?.length).toBeGreaterThan(1);
    expect(services[name].restart).toMatch(/^(always|unless-stopped|on-failure)/);
  });

  it('seeds no demo unless asked', () => {
    expect(services.api.environment?.SEED_DEMO).toBe('${SEED_DEMO:-false}');
    expect(services.worker.environment?.SEED_DEMO).toBe('false');
  });

  it('shows TRUST_PROXY, with a comment explaining it', () => {
    expect(services.api.environment).toHaveProperty('TRUST_PROXY');
    expect(read('docker-compose.yml')).toMatch(/#.*X-Forwarded-For[\s\S]*TRUST_PROXY:/);
  });

  it('takes secrets only from the environment, required, with no value in the file', () => {
    const text = read('docker-compose.yml');
    for (const secret of SECRETS) {
      const uses = [...text.matchAll(new RegExp(`\\$\\{${secret}([^}]*)\\}`, 'g'))].map((match) => match[1]);
      expect([secret, uses.length > 0]).toEqual([secret, true]);
      for (const use of uses) expect([secret, use]).toEqual([secret, expect.stringMatching(/^:\?/)]);
    }
    for (const service of Object.values(services)) {
      for (const [name, value] of Object.entries(service.environment ?? {})) {
        if (/SECRET|PASSWORD|AUTH/.test(name)) expect([name, value]).toEqual([name, expect.stringMatching(/^\$\{\w+:\?/)]);
      }
    }
  });

  it('gives the servers the settings files of config/, as the embedded servers use them', () => {
    expect(services.postgres.volumes).toContain('./config/postgres.conf:/etc/postgresql/postgresql.conf:ro');
    expect(services.postgres.command).toContain('config_file=/etc/postgresql/postgresql.conf');
    expect(services.redis.volumes).toContain('./config/redis.conf:/usr/local/etc/redis/redis.conf:ro');
    expect(services.redis.command?.slice(0, 2)).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
  });

  it('passes DATABASE_URL and REDIS_URL to the app services, which wait for healthy servers', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name].environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\/juhui$/);
      expect(services[name].environment?.REDIS_URL).toMatch(/^redis:\/\/.+@redis:6379$/);
    }
    expect(services.api.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  });
});

describe('the image', () => {
  const dockerfile = read('Dockerfile');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('installs production dependencies only, so no PostgreSQL binaries or pino-pretty', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(finalStage).not.toMatch(/npm (ci|install)(?![^\n]*--omit=dev)/);
    expect(finalStage).toContain('COPY --from=production-dependencies /app/node_modules ./node_modules');
    expect(finalStage).toContain('ENV NODE_ENV=production');
  });

  it('carries config/, which the app reads at start-up', () => {
    expect(finalStage).toMatch(/^COPY config \.\/config$/m);
  });

  it('is built without local state or secrets (.dockerignore)', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.data', '.env', '.env.*', '.git']) expect(ignored).toContain(entry);
  });
});
