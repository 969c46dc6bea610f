import { ChildProcess, execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** A TCP port on the loopback interface that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the first line of a pid file; undefined when there is no live process behind it. */
export function livePidFromFile(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/** Sends `signal` and waits for the child to exit; escalates to SIGKILL after `timeoutMs`. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill(signal);
  });
}

/**
 * Run as root, the embedded PostgreSQL server runs as the OS user `postgres`, which must
 * be able to walk down to its data folder. A clone inside a private folder would block it,
 * so the missing traverse (o+x) bits are added to each folder above, and said so.
 */
export function ensureTraversable(dir: string, log: (message: string) => void): void {
  let current = resolve(dir);
  for (;;) {
    const parent = dirname(current);
    if (parent === current) return;
    current = parent;
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, mode | 0o001);
      log(`added the traverse bit to ${current} so the postgres user can reach its data folder`);
    }
  }
}

export function commandPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves once `stream` (a child's stdout or stderr) prints `marker`; rejects if the child
 * exits first or `timeoutMs` passes, quoting what it printed.
 */
export function waitForOutput(
  child: ChildProcess,
  stream: Readable | null,
  marker: string,
  what: string,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((ready, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    stream?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (output.length < 20000) output += text;
      if (text.includes(marker)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${what} exited with code ${code} while starting:\n${output}`));
    });
  });
}
