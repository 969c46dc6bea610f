import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient, ApiResponse } from './http';
import { claimAs } from './factories';

/** A claim's answer, or `status: 0` when the connection broke (the API process died mid-request). */
export type ClaimAnswer = Pick<ApiResponse, 'status' | 'body'> & { headers?: Headers };

/** Claims for each resident in parallel, spread over the given API processes in turn. */
export function claimBurst(
  baseUrls: readonly string[],
  residents: readonly string[],
  denominationId: string,
  onAnswer?: (answer: ClaimAnswer, answered: number) => void,
): Promise<ClaimAnswer[]> {
  const clients = baseUrls.map((url) => new ApiClient(url));
  let answered = 0;
  return Promise.all(
    residents.map(async (resident, i) => {
      const answer: ClaimAnswer = await claimAs(clients[i % clients.length], resident, denominationId).catch(() => ({
        status: 0,
        body: undefined,
      }));
      onAnswer?.(answer, ++answered);
      return answer;
    }),
  );
}

export const residentsNamed = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

export const createdIds = (answers: readonly ClaimAnswer[]): string[] =>
  answers.filter((a) => a.status === 201).map((a) => a.body.id as string);

/** Runs `npm run reconcile`'s program (from the build) against the given environment. */
export async function runReconcileCommand(env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'claims', 'reconcile.js')], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout;
}
