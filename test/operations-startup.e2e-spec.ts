import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAlive, stopChild } from '../scripts/dev/processes';
import { createTestDatabase, createTestRedisUrl, TEST_JWT_SECRET, testEnvironment } from './support/test-app';
import { until } from './support/wait';

const DIST = join(__dirname, '..', 'dist');
const MAIN = join(DIST, 'src', 'main.js');
const WORKER = join(DIST, 'src', 'worker.js');
const LAUNCHER = join(DIST, 'scripts', 'dev', 'launch.js');

/** The environment of this test run without the two server URLs. */
function environmentWithoutServers(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return env;
}

function run(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [script], { env, timeout: 60_000 }, (_error, _stdout, stderr) =>
      done({ code: child.exitCode, stderr }),
    );
  });
}

describe('start-up with a bad configuration', () => {
  let env: Record<string, string>;
  beforeAll(async () => {
    env = testEnvironment(await createTestDatabase(), await createTestRedisUrl());
  });

  it.each([
    ['SETTLEMENT_CRON', '0 0 30 2 *'],
    ['PORT', 'eighty'],
    ['TRUST_PROXY', 'proxy.example'],
  ])('the API exits non-zero on a bad %s, naming it on stderr without a stack trace', async (name, value) => {
    const { code, stderr } = await run(MAIN, { ...process.env, ...env, [name]: value });
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toContain(name);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it.each([
    ['the API', MAIN],
    ['the worker', WORKER],
  ])('%s refuses to start without DATABASE_URL and REDIS_URL, naming both', async (_what, script) => {
    const { code, stderr } = await run(script, environmentWithoutServers({ AUTH_JWT_SECRET: TEST_JWT_SECRET }));
    expect(code).toBe(1);
    expect(stderr).toContain('DATABASE_URL is required');
    expect(stderr).toContain('REDIS_URL is required');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

describe('the development launcher (npm start)', () => {
  it('starts embedded PostgreSQL and Redis under DATA_DIR, hands their URLs to the app, and stops them after it on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'juhui-launcher-'));
    const port = await freePort();
    let launcher: ChildProcess | undefined;
    let output = '';
    try {
      launcher = spawn(process.execPath, [LAUNCHER, MAIN], {
        env: environmentWithoutServers({
          DATA_DIR: dataDir,
          PORT: String(port),
          AUTH_JWT_SECRET: TEST_JWT_SECRET,
          BUREAU_ADMIN_PASSWORD: 'launcher-test-password',
          RUN_WORKER: 'false',
          SEED_DEMO: 'false',
          LOG_LEVEL: 'info',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const collect = (chunk: Buffer): void => {
        output += chunk.toString('utf8');
      };
      launcher.stdout?.on('data', collect);
      launcher.stderr?.on('data', collect);
      const child = launcher;
      await until(
        'the launched API to be ready',
        async () => {
          if (child.exitCode !== null) throw new Error(`the launcher exited with ${child.exitCode}:\n${output}`);
          return fetch(`http://127.0.0.1:${port}/health/ready`).then(
            (r) => r.status === 200,
            () => false,
          );
        },
        { detail: () => `output so far:\n${output}` },
      );
      const postgresPid = Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
      const redisPid = Number(readFileSync(join(dataDir, 'redis', 'redis.pid'), 'utf8').trim());
      expect([isAlive(postgresPid), isAlive(redisPid)]).toEqual([true, true]);

      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // The app shut down gracefully first (its own SIGTERM handling), then its servers went.
      expect(output).toContain('SIGTERM received');
      expect(output).toContain('[dev] embedded servers stopped');
      expect([isAlive(postgresPid), isAlive(redisPid)]).toEqual([false, false]);
    } finally {
      if (launcher) await stopChild(launcher, 'SIGKILL', 10_000);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
