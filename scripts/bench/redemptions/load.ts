import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** A keep-alive HTTP/1.1 client over node:http: the cheapest honest client for loopback load. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: URL,
    connections: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  send(method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<HttpAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.baseUrl.hostname,
          port: this.baseUrl.port,
          method,
          path,
          headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The first few unexpected answers, to explain failures. */
  samples: string[];
  /** Every request's latency in ms, to combine several slices. */
  latencies: number[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Closed-loop load: `concurrency` workers each send their next request as soon as the last
 * one answered, for `durationMs` or until `next` has nothing left. Throughput counts only
 * expected answers; latency covers every request.
 */
export async function runLoad(options: {
  durationMs: number;
  concurrency: number;
  next: () => (() => Promise<HttpAnswer>) | undefined;
  expect: (answer: HttpAnswer) => boolean;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const samples: string[] = [];
  let ok = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(options.durationMs) * 1_000_000n;

  const worker = async (): Promise<void> => {
    for (;;) {
      if (process.hrtime.bigint() >= deadline) return;
      const send = options.next();
      if (!send) return;
      const sent = process.hrtime.bigint();
      let answer: HttpAnswer;
      try {
        answer = await send();
      } catch (error) {
        answer = { status: 0, body: String(error) };
      }
      latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
      if (options.expect(answer)) ok++;
      else {
        failed++;
        if (samples.length < 5) samples.push(`${answer.status} ${answer.body.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return summarise(ok, failed, Number(process.hrtime.bigint() - started) / 1e9, latencies, samples);
}

function summarise(ok: number, failed: number, seconds: number, latencies: number[], samples: string[]): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  return { ok, failed, seconds, perSecond: ok / seconds, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), samples, latencies };
}

/** Several measurement slices as one: total answers over total time, percentiles over every request. */
export function combine(results: LoadResult[]): LoadResult {
  return summarise(
    results.reduce((sum, r) => sum + r.ok, 0),
    results.reduce((sum, r) => sum + r.failed, 0),
    results.reduce((sum, r) => sum + r.seconds, 0),
    results.flatMap((r) => r.latencies),
    results.flatMap((r) => r.samples).slice(0, 5),
  );
}
