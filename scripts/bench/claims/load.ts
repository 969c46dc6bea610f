import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';

/**
 * The load generator, run as its own process so it does not share the API's event loop:
 * `connections` keep-alive connections each send requests back to back for `seconds`.
 * For claims, every request is a different resident (a fresh token), as in a real flash sale.
 * Prints one JSON line: a LoadResult.
 */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  seconds: number;
  connections: number;
  /** POST /claims: the denomination each resident claims, and how to sign their tokens. */
  claim?: { denominationId: string; jwtSecret: string; residentPrefix: string; maxResidents: number };
}

export interface LoadResult {
  requests: number;
  seconds: number;
  statuses: Record<string, number>;
  /** Every request's latency in ms, for percentiles over several runs together. */
  latenciesMs: number[];
  errors: number;
}

/**
 * The HS256 resident token an identity provider would issue ({sub, role, iat, exp}), signed
 * with node:crypto directly: a hundred thousand of them in about a second, where the
 * general-purpose signer takes minutes on this machine.
 */
function residentToken(residentId: string, secret: string): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub: residentId, role: 'resident', iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  if (!['127.0.0.1', 'localhost', '::1'].includes(target.hostname)) throw new Error('the benchmark only targets loopback');
  // Tokens are signed before the clock starts: signing is the identity provider's cost, not ours.
  const tokens = spec.claim
    ? Array.from({ length: spec.claim.maxResidents }, (_, i) => residentToken(`${spec.claim!.residentPrefix}-${i}`, spec.claim!.jwtSecret))
    : [];
  const body = spec.claim ? JSON.stringify({ denominationId: spec.claim.denominationId }) : undefined;
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + spec.seconds * 1000;

  const once = (): Promise<void> =>
    new Promise((resolve) => {
      const headers: Record<string, string> = {};
      if (spec.claim) {
        headers.authorization = `Bearer ${tokens[next++ % tokens.length]}`;
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(body!));
      }
      const sent = process.hrtime.bigint();
      const req = request(target, { method: spec.method, agent, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(Number(process.hrtime.bigint() - sent) / 1e6);
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const worker = async (): Promise<void> => {
    while (Date.now() < deadline && (!spec.claim || next < tokens.length)) await once();
  };
  await Promise.all(Array.from({ length: spec.connections }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { requests: latencies.length, seconds, statuses, latenciesMs: latencies.map((ms) => Math.round(ms * 100) / 100), errors };
}

run(JSON.parse(process.argv[2]) as LoadSpec)
  .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
