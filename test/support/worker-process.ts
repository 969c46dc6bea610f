import { stopChild } from '../../scripts/dev/processes';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Sends a signal (SIGKILL to simulate a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const WORKER = join(__dirname, '..', '..', 'dist', 'src', 'worker.js');
const READY = 'Juhui worker is running';

/**
 * Starts a real worker process (`node dist/src/worker.js`, so build first) with the given
 * environment (see testEnvironment) and waits for its ready line.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`worker did not start within 60 s:\n${output}`));
    }, 60_000);
    const collect = (chunk: Buffer): void => {
      if (output.length < 200_000) output += chunk.toString('utf8');
      if (output.includes(READY)) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`worker exited with ${code} while starting:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    kill: (signal = 'SIGTERM') => stopChild(child, signal, 30000),
  };
}
