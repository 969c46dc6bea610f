import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { signToken } from '../../../src/auth/jwt';

/**
 * The load generator, run as its own process so that it never shares the API's event loop:
 * `connections` keep-alive connections each send their next request as soon as the last
 * one is answered, for `seconds` or until the prepared requests run out.
 * Prints one JSON line: a LoadResult.
 */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST' | 'PATCH';
  seconds: number;
  connections: number;
  /** What to send, in order from request number `from`; without a source, bare requests. */
  source?: RequestSource;
  from?: number;
  /** Start again at the first request when they run out (for the ceiling, which ignores them). */
  cycle?: boolean;
  /**
   * Sends the credential in a header the API does not read: the request keeps its size and
   * shape, and the trivial endpoint does no authentication work.
   */
  hideCredential?: boolean;
}

export interface PreparedRequest {
  headers: Record<string, string>;
  body?: unknown;
  /** Sent to this path of the spec's URL instead of the URL itself (one request per merchant). */
  path?: string;
}

export type RequestSource =
  /** A JSON file of PreparedRequest[] written by the benchmark. */
  | { kind: 'file'; path: string }
  /** The same body from a different resident each time, with the token their identity provider would issue. */
  | { kind: 'residents'; prefix: string; jwtSecret: string; body: unknown };

/** Residents a run can possibly reach per second (tokens are signed before the clock starts). */
const MAX_RESIDENTS_PER_SECOND = 40_000;

function prepare(spec: LoadSpec): PreparedRequest[] {
  const from = spec.from ?? 0;
  const source = spec.source;
  if (!source) return [{ headers: {} }];
  if (source.kind === 'file') return (JSON.parse(readFileSync(source.path, 'utf8')) as PreparedRequest[]).slice(from);
  return Array.from({ length: Math.ceil(spec.seconds * MAX_RESIDENTS_PER_SECOND) }, (_, i) => ({
    headers: {
      authorization: `Bearer ${signToken({ role: 'resident', residentId: `${source.prefix}-${from + i}` }, source.jwtSecret, 3600)}`,
    },
    body: source.body,
  }));
}

export interface LoadResult {
  /** Answers received. */
  requests: number;
  /** Prepared requests used (the next run starts after them). */
  sent: number;
  seconds: number;
  statuses: Record<string, number>;
  /** Every answer's latency in ms, for percentiles over several runs together. */
  latenciesMs: number[];
  errors: number;
  /** CPU seconds the load process itself used while sending (user + system). */
  cpuSeconds: number;
}

interface WireRequest {
  url: URL;
  headers: Record<string, string>;
  payload?: string;
}

function toWire(prepared: PreparedRequest, target: URL, hideCredential: boolean): WireRequest {
  // Only the path may differ: the host stays the spec's loopback one.
  const url = prepared.path === undefined ? target : new URL(prepared.path, target.origin);
  const headers = { ...prepared.headers };
  if (hideCredential && headers.authorization !== undefined) {
    headers['x-credential'] = headers.authorization;
    delete headers.authorization;
  }
  if (prepared.body === undefined) return { url, headers };
  const payload = JSON.stringify(prepared.body);
  return {
    url,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
    payload,
  };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  if (!['127.0.0.1', 'localhost', '::1'].includes(target.hostname)) throw new Error('the benchmark only targets loopback');
  // Requests are built before the clock starts: making them is the client's cost, not the API's.
  const wire = prepare(spec).map((r) => toWire(r, target, spec.hideCredential ?? false));
  if (wire.length === 0) throw new Error('no prepared requests left');
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const deadline = Date.now() + spec.seconds * 1000;

  const once = (req: WireRequest): Promise<void> =>
    new Promise((resolve) => {
      const sent = process.hrtime.bigint();
      const outgoing = request(req.url, { method: spec.method, agent, headers: req.headers }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      });
      outgoing.on('error', () => {
        errors++;
        resolve();
      });
      outgoing.end(req.payload);
    });

  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && (spec.cycle || next < wire.length)) await once(wire[next++ % wire.length]);
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  return {
    requests: latencies.length,
    sent: Math.min(next, wire.length),
    seconds,
    statuses,
    latenciesMs: latencies.map((ms) => Math.round(ms * 100) / 100),
    errors,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

if (require.main === module) {
  run(JSON.parse(process.argv[2]) as LoadSpec)
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    });
}
