import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, stopChild } from '../../scripts/dev/processes';
import { until } from './wait';

export interface ApiProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** Sends a signal (SIGKILL to simulate a crash) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/**
 * Starts a real API process from the build (`npm test` builds first) with the given
 * environment (see testEnvironment) and waits until /health/ready answers 200.
 * Several of these share one database and Redis to prove cross-process guarantees.
 */
export async function startApiProcess(env: Record<string, string>, script = MAIN): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    if (output.length < 200_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const baseUrl = `http://127.0.0.1:${port}`;

  const ready = async (): Promise<boolean> => {
    if (child.exitCode !== null) throw new Error(`API process exited with ${child.exitCode}:\n${output}`);
    return fetch(`${baseUrl}/health/ready`).then(
      (response) => response.status === 200,
      () => false, // not listening yet
    );
  };
  try {
    await until('the API process to answer /health/ready', ready, { everyMs: 200, detail: () => `\n${output}` });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    baseUrl,
    child,
    output: () => output,
    kill: (signal = 'SIGTERM') => stopChild(child, signal, 30000),
  };
}
