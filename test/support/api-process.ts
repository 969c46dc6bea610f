import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, stopChild } from '../../scripts/dev/processes';

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

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API process exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${baseUrl}/health/ready`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`API process did not become ready within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return {
    baseUrl,
    child,
    output: () => output,
    kill: (signal = 'SIGTERM') => stopChild(child, signal, 30000),
  };
}
