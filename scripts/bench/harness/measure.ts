import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
  /** Runs before each of the phase's runs (warm-up included): a benchmark's own seam, set for this phase. */
  before?: () => void;
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
  /** The load process's CPU per answer, in µs. */
  loadCpuMicros: number;
  /** Everything else's CPU per answer (PostgreSQL, Redis, the kernel's network work), in µs. */
  restCpuMicros: number;
  /** Share of all the machine's cores busy during the phase. */
  machineBusy: number;
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
    phase.before?.();
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
  const machine = phases.map(() => ({ busy: 0, total: 0 }));
  for (let turn = 0; turn < options.turns; turn++) {
    const turnResults: LoadResult[] = [];
    for (let index = 0; index < phases.length; index++) {
      const before = cpuSeconds(options.apiPid);
      const machineBefore = machineCpuSeconds();
      const result = await runOnce(index, options.seconds);
      cpu[index] += cpuSeconds(options.apiPid) - before;
      const machineAfter = machineCpuSeconds();
      machine[index].busy += machineAfter.busy - machineBefore.busy;
      machine[index].total += machineAfter.total - machineBefore.total;
      runs[index].push(result);
      turnResults.push(result);
    }
    options.progress(turn, turnResults);
  }
  return phases.map((phase, index) => {
    const results = runs[index];
    const requests = results.reduce((sum, r) => sum + r.requests, 0);
    const loadCpu = results.reduce((sum, r) => sum + r.cpuSeconds, 0);
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
      loadCpuMicros: (loadCpu / requests) * 1e6,
      // Clamped: CPU time is counted in 10 ms ticks, so with nothing else running the difference can dip below zero.
      restCpuMicros: Math.max(0, ((machine[index].busy - cpu[index] - loadCpu) / requests) * 1e6),
      machineBusy: machine[index].busy / machine[index].total,
    };
  });
}

function addStatuses(results: LoadResult[]): Record<string, number> {
  const statuses: Record<string, number> = {};
  for (const result of results) for (const [status, n] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  return statuses;
}

const perSecond = (result: LoadResult): number => result.requests / result.seconds;

/**
 * Busy and total CPU seconds of the whole machine so far, over all cores (Linux /proc/stat;
 * idle and I/O wait count as not busy).
 */
function machineCpuSeconds(): { busy: number; total: number } {
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  return { busy: (total - ticks[3] - ticks[4]) / 100, total: total / 100 };
}

/** Two aligned lines per phase: throughput and latency; then where the machine's CPU went per answer. */
export function formatPhase(result: PhaseResult): string {
  const micros = (value: number) => `${value.toFixed(0)} µs`;
  return (
    `${result.label.padEnd(30)} ${result.perSecond.toFixed(0).padStart(6)} req/s   p50 ${result.p50Ms.toFixed(1)} ms   ` +
    `p99 ${result.p99Ms.toFixed(1)} ms   (${result.requests} answers, ${result.errors} errors)\n` +
    `${''.padEnd(30)} CPU per answer: API ${micros(result.cpuMicros)}, load ${micros(result.loadCpuMicros)}, ` +
    `the rest ${micros(result.restCpuMicros)}; machine ${(result.machineBusy * 100).toFixed(0)} % busy`
  );
}

const percentOf = (part: PhaseResult, whole: PhaseResult): string => `${((part.perSecond / whole.perSecond) * 100).toFixed(1)} %`;

/** How long and how hard a benchmark measures: BENCH_SECONDS per phase, BENCH_PAIRS turns, BENCH_CONNECTIONS. */
export interface BenchShape {
  seconds: number;
  turns: number;
  connections: number;
}

export function benchShape(defaultSeconds: number): BenchShape {
  return {
    seconds: Number(process.env.BENCH_SECONDS ?? defaultSeconds),
    turns: Number(process.env.BENCH_PAIRS ?? 3),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 100),
  };
}

export interface CeilingComparison {
  bare: PhaseResult;
  ceiling: PhaseResult;
  measured: PhaseResult;
}

/**
 * The three phases of a route benchmark, in turns (see measureInTurns): the bare framework
 * (GET /health/live, a request without a body); the ceiling, the route's very requests sent
 * to POST /health/live (an endpoint of the same app that returns a constant) with the
 * credential in a header the API does not read; and the route itself. Prints a line per turn.
 */
export async function measureAgainstCeiling(options: {
  baseUrl: string;
  apiPid: number;
  shape: BenchShape;
  warmUpSeconds: number;
  /** What the route's requests are called in the output ("claims"). */
  name: string;
  path: string;
  source: RequestSource;
}): Promise<CeilingComparison> {
  const { baseUrl, name, path, source } = options;
  const [bare, ceiling, measured] = await measureInTurns({
    apiPid: options.apiPid,
    phases: [
      { label: 'GET  /health/live (bare)', method: 'GET', url: `${baseUrl}/health/live`, cycle: true },
      { label: 'POST /health/live (ceiling)', method: 'POST', url: `${baseUrl}/health/live`, source, cycle: true, hideCredential: true },
      { label: `POST ${path}`, method: 'POST', url: `${baseUrl}${path}`, source },
    ],
    turns: options.shape.turns,
    seconds: options.shape.seconds,
    connections: options.shape.connections,
    warmUpSeconds: options.warmUpSeconds,
    progress: (turn, [g, c, m]) =>
      process.stdout.write(
        `  turn ${turn + 1}: bare GET ${perSecond(g).toFixed(0)}/s, ceiling ${perSecond(c).toFixed(0)}/s, ${name} ${perSecond(m).toFixed(0)}/s ${JSON.stringify(m.statuses)}\n`,
      ),
  });
  return { bare, ceiling, measured };
}

/** The phase lines, the benchmark's own checks, and the ratios to the ceiling (against `target`) and to the bare GET. */
export function formatComparison(result: CeilingComparison, name: string, target: string, checks: string): string {
  const { bare, ceiling, measured } = result;
  return [
    '',
    formatPhase(bare),
    formatPhase(ceiling),
    formatPhase(measured),
    checks,
    `ratio    ${name} ÷ ceiling = ${percentOf(measured, ceiling)}   (target ${target}); ${name} ÷ bare GET = ${percentOf(measured, bare)}`,
    '',
  ].join('\n');
}
