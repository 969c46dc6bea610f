import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigError, parseEnvironment } from '../../src/config/app-config';
import { startDevServers } from './dev-servers';

const log = (message: string): void => {
  process.stdout.write(`[dev] ${message}\n`);
};

/**
 * The development launcher (`npm start`, `npm run reconcile`): starts embedded PostgreSQL and
 * Redis under DATA_DIR for whichever of DATABASE_URL and REDIS_URL is unset, runs `entry` (a
 * built entry point such as dist/src/main.js) as a child process with both URLs in its
 * environment, and stops the servers when it exits, whatever the reason. SIGINT and SIGTERM are
 * passed on to the child as SIGTERM, so it shuts down gracefully before its servers go. The
 * servers run in their own process group: a terminal's Ctrl-C reaches the launcher and the app,
 * not them.
 */
export async function runWithDevServers(entry: string, args: readonly string[] = []): Promise<number> {
  const env = parseEnvironment(process.env);
  const servers = await startDevServers({ databaseUrl: env.DATABASE_URL, redisUrl: env.REDIS_URL }, env.DATA_DIR, log, {
    detached: true,
  });
  const child = spawn(process.execPath, [resolve(entry), ...args], {
    env: { ...process.env, DATABASE_URL: servers.databaseUrl, REDIS_URL: servers.redisUrl },
    stdio: 'inherit',
  });
  const passOn = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('SIGINT', passOn);
  process.on('SIGTERM', passOn);
  const code = await new Promise<number>((done) => {
    child.once('error', (error) => {
      log(`could not start ${entry}: ${error.message}`);
      done(1);
    });
    child.once('exit', (exitCode, signal) => done(exitCode ?? (signal ? 1 : 0)));
  });
  process.off('SIGINT', passOn);
  process.off('SIGTERM', passOn);
  await servers.stop();
  log('embedded servers stopped');
  return code;
}

if (require.main === module) {
  const [entry, ...args] = process.argv.slice(2);
  if (!entry) {
    process.stderr.write('usage: node dist/scripts/dev/launch.js <built entry point> [arguments]\n');
    process.exit(2);
  }
  runWithDevServers(entry, args).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        error instanceof ConfigError ? `${error.message}\n` : `[dev] ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
