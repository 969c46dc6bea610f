import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadResult, LoadSpec, PreparedRequest, RequestSource } from './load';
import { cpuSeconds } from './stack';

const LOAD = join(__dirname, 'load.js');

/** One kind of load in a benchmark: the ceilings and the measured route. */
export interface Phase {
  label: string;
  method: LoadSpec['method'];
  url: string;
  source?: RequestSource;
  cycle?: boolean;
  hideCredential?: boolean;
}

export interface PhaseResult {
  label: string;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  /** The answers to the warm-up run, which is not measured but may change state (claims). */
  warmUpStatuses: Record<string, number>;
  /** API process CPU per answer, in µs. */
  cpuMicros: number;
}

/** Writes prepared requests where the load process reads them. */
export function requestsFile(dir: string, name: string, requests: PreparedRequest[]): RequestSource {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(requests));
  return { kind: 'file', path };
}

async function load(spec: LoadSpec): Promise<LoadResult> {
  const { stdout } = await promisify(execFile)(process.execPath, [LOAD, JSON.stringify(spec)], {
    timeout: (spec.seconds + 120) * 1000,
    maxBuffer: 256 << 20,
  });
  return JSON.parse(stdout) as LoadResult;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Runs every phase for `seconds`, `turns` times over, one after the other in turn, so that
 * load from other work on a shared machine hits each alike; after a warm-up round.
 * A phase that does not cycle continues where its last run stopped (distinct residents,
 * distinct vouchers). Reports after each turn through `progress`.
 */
export async function measureInTurns(options: {
  apiPid: number;
  phases: Phase[];
  turns: number;
  seconds: number;
  connections: number;
  warmUpSeconds: number;
  progress: (turn: number, results: LoadResult[]) => void;
}): Promise<PhaseResult[]> {
  const { phases, connections } = options;
  const next = phases.map(() => 0);
  const runOnce = async (index: number, seconds: number) => {
    const phase = phases[index];
    const result = await load({
      url: phase.url,
      method: phase.method,
      seconds,
      connections,
      source: phase.source,
      from: next[index],
      cycle: phase.cycle,
      hideCredential: phase.hideCredential,
    });
    if (!phase.cycle) next[index] += result.sent;
    return result;
  };

  const warmUps: LoadResult[] = [];
  for (let index = 0; index < phases.length; index++) warmUps.push(await runOnce(index, options.warmUpSeconds));
  const runs = phases.map((): LoadResult[] => []);
  const cpu = phases.map(() => 0);
  for (let turn = 0; turn < options.turns; turn++) {
    const turnResults: LoadResult[] = [];
    for (let index = 0; index < phases.length; index++) {
      const before = cpuSeconds(options.apiPid);
      const result = await runOnce(index, options.seconds);
      cpu[index] += cpuSeconds(options.apiPid) - before;
      runs[index].push(result);
      turnResults.push(result);
    }
    options.progress(turn, turnResults);
  }
  return phases.map((phase, index) => {
    const results = runs[index];
    const requests = results.reduce((sum, r) => sum + r.requests, 0);
    const sorted = Float64Array.from(results.flatMap((r) => r.latenciesMs)).sort();
    return {
      label: phase.label,
      perSecond: requests / results.reduce((sum, r) => sum + r.seconds, 0),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      requests,
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      statuses: addStatuses(results),
      warmUpStatuses: warmUps[index].statuses,
      cpuMicros: (cpu[index] / requests) * 1e6,
    };
  });
}

function addStatuses(results: LoadResult[]): Record<string, number> {
  const statuses: Record<string, number> = {};
  for (const result of results) for (const [status, n] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  return statuses;
}

export const perSecond = (result: LoadResult): number => result.requests / result.seconds;

/** One aligned line per phase: throughput, latency and the API's CPU per answer. */
export function formatPhase(result: PhaseResult, width: number): string {
  return (
    `${result.label.padEnd(width)} ${result.perSecond.toFixed(0).padStart(6)} req/s   p50 ${result.p50Ms.toFixed(1)} ms   ` +
    `p99 ${result.p99Ms.toFixed(1)} ms   API CPU ${result.cpuMicros.toFixed(0)} µs/request   (${result.requests} answers, ${result.errors} errors)`
  );
}

export const percentOf = (part: PhaseResult, whole: PhaseResult): string => `${((part.perSecond / whole.perSecond) * 100).toFixed(1)} %`;
