import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, ApiResponse } from './http';
import { claimAs } from './factories';

/** A claim's answer, or `status: 0` when the connection broke (the API process died mid-request). */
export type ClaimAnswer = Pick<ApiResponse, 'status' | 'body'> & { headers?: Headers };

/**
 * At most this many requests in flight from one burst: far more than the API's connection
 * pool and writers, so every race is exercised, yet under the listen backlog (511), so an
 * overloaded test machine drops no connection attempts.
 */
const MAX_IN_FLIGHT = 500;

/** Claims for each resident in parallel, spread over the given API processes in turn. */
export async function claimBurst(
  baseUrls: readonly string[],
  residents: readonly string[],
  denominationId: string,
  onAnswer?: (answer: ClaimAnswer, answered: number) => void,
): Promise<ClaimAnswer[]> {
  const clients = baseUrls.map((url) => new ApiClient(url));
  const answers: ClaimAnswer[] = new Array<ClaimAnswer>(residents.length);
  let next = 0;
  let answered = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < residents.length; i = next++) {
      const answer: ClaimAnswer = await claimAs(clients[i % clients.length], residents[i], denominationId).catch(() => ({
        status: 0,
        body: undefined,
      }));
      answers[i] = answer;
      onAnswer?.(answer, ++answered);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_IN_FLIGHT, residents.length) }, worker));
  return answers;
}

/** How many answers had each status and code, e.g. {"201": 500, "409 SOLD_OUT": 1500}: a failing test shows what happened. */
export function tally(answers: readonly ClaimAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const key = answer.status === 201 || answer.status === 0 ? String(answer.status) : `${answer.status} ${answer.body?.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export const residentsNamed = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

export const createdIds = (answers: readonly ClaimAnswer[]): string[] =>
  answers.filter((a) => a.status === 201).map((a) => a.body.id as string);

/** Runs `npm run reconcile`'s program (from the build) against the given environment. */
export async function runReconcileCommand(env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'cli', 'reconcile.js')], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout;
}
