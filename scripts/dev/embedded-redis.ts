import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { commandPath, freePort, isRoot, livePidFromFile, stopChild, waitForExit, waitForOutput } from './processes';
import { REDIS_CONF } from './server-config';

export interface EmbeddedRedisOptions {
  /** Folder for the append-only file and the pid file; kept across restarts. */
  dataDir: string;
  port?: number;
  log?: (message: string) => void;
  /** Overrides config/redis.conf's append-only persistence (the benchmarks measure both). */
  appendOnly?: boolean;
  /** Its own process group, so a terminal's Ctrl-C reaches only the launcher, which stops the server after the app. */
  detached?: boolean;
}

export class RedisNotInstalledError extends Error {
  constructor() {
    super(
      'redis-server was not found. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) ' +
        'or set REDIS_URL to a running Redis.',
    );
  }
}

/** Finds redis-server; installs Debian's package when missing and running as root. */
function redisServerBinary(log: (message: string) => void): string {
  const found = commandPath('redis-server');
  if (found) return found;
  if (!isRoot() || !commandPath('apt-get')) throw new RedisNotInstalledError();
  log('redis-server is missing; installing Debian package redis-server with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env });
  const installed = commandPath('redis-server');
  if (!installed) throw new RedisNotInstalledError();
  return installed;
}

/** A local redis-server child process with config/redis.conf's settings and its files under its data folder. */
export class EmbeddedRedis {
  private child?: ChildProcess;
  private readonly log: (message: string) => void;
  private readonly dir: string;
  private port?: number;

  constructor(private readonly options: EmbeddedRedisOptions) {
    this.log = options.log ?? (() => undefined);
    this.dir = resolve(options.dataDir);
  }

  async start(): Promise<string> {
    const binary = redisServerBinary(this.log);
    mkdirSync(this.dir, { recursive: true });
    const pidFile = join(this.dir, 'redis.pid');
    const orphan = livePidFromFile(pidFile);
    if (orphan) {
      this.log(`stopping a redis-server (pid ${orphan}) left running by an earlier process`);
      process.kill(orphan, 'SIGTERM');
      if (!(await waitForExit(orphan, 15000))) process.kill(orphan, 'SIGKILL');
    }
    rmSync(pidFile, { force: true });

    const port = this.options.port ?? this.port ?? (await freePort());
    this.port = port;
    const args = [
      REDIS_CONF,
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--protected-mode',
      'yes',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      '--logfile',
      '',
    ];
    if (this.options.appendOnly !== undefined) args.push('--appendonly', this.options.appendOnly ? 'yes' : 'no');
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: this.options.detached });
    this.child = child;
    await waitForOutput(child, child.stdout, 'Ready to accept connections', 'redis-server', 30000);
    child.stdout?.resume();
    child.stderr?.resume();
    if (child.pid) writeFileSync(pidFile, `${child.pid}\n`);
    return `redis://127.0.0.1:${port}`;
  }

  /** SIGTERM makes redis-server flush the append-only file before it exits. */
  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 'SIGTERM', 15000);
    this.child = undefined;
    rmSync(join(this.dir, 'redis.pid'), { force: true });
  }

  /** Kills the server without warning, as a crash would (failure tests). */
  crash(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}
