import { connect } from 'node:net';
import { bureauToken } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

interface RawAnswer {
  status: number;
  headers: string;
  body: { statusCode?: unknown; code?: unknown; message?: unknown };
  /** The server closed the connection (we never do). */
  closed: boolean;
}

/**
 * Writes `chunks` to a fresh connection as they are, then waits for the server to answer and
 * close it: what reaches Node's parser directly, below anything fetch would let us send.
 */
function rawExchange(port: number, chunks: Array<string | Buffer>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    socket.on('data', (data) => received.push(data));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(received).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      let parsed: RawAnswer['body'] = {};
      try {
        parsed = JSON.parse(body) as RawAnswer['body'];
      } catch {
        // not JSON: the assertions below say so
      }
      resolve({ status, headers: head, body: parsed, closed: true });
    });
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

/** Issue 12 point 15: errors raised below the routes (Node's parser, Fastify's router) in the spec's shape. */
describe('HTTP-level errors', () => {
  const REQUEST_TIMEOUT_MS = 1000;
  let t: TestApp;
  let api: ApiClient;
  let port: number;
  let bureau: string;

  beforeAll(async () => {
    t = await bootTestApp({ REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), RUN_WORKER: 'false' });
    api = new ApiClient(t.baseUrl);
    port = Number(new URL(t.baseUrl).port);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  const campaigns = async () => (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM campaigns'))[0].n;

  it('answers a 20 KB header 431 HEADERS_TOO_LARGE in JSON and closes', async () => {
    const answer = await rawExchange(port, [`GET /api/v1/campaigns HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\n\r\n`]);
    expect(answer.status).toBe(431);
    expect(answer.headers).toMatch(/content-type: application\/json/i);
    expect(answer.body).toEqual({ statusCode: 431, code: 'HEADERS_TOO_LARGE', message: expect.any(String) });
    expect(answer.closed).toBe(true);
  });

  it('answers a garbage request line 400 BAD_REQUEST in JSON', async () => {
    const answer = await rawExchange(port, ['\u0001\u0002 not http at all\r\n\r\n']);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ statusCode: 400, code: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('answers a body that stops short 408 REQUEST_TIMEOUT in JSON, closes the connection and writes nothing', async () => {
    const before = await campaigns();
    const answer = await rawExchange(port, [
      'POST /api/v1/campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${bureau}\r\nContent-Length: 100\r\n\r\n`,
      '{"name": "',
    ]);
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual({ statusCode: 408, code: 'REQUEST_TIMEOUT', message: expect.any(String) });
    expect(answer.closed).toBe(true);
    expect(await campaigns()).toBe(before);
    // Far beyond the 1 s time-out, far below the 60 s Node would take if the time-outs were misset.
  }, 30_000);

  it.each([
    ['a path parameter', '/api/v1/campaigns/%E0%A4%A'],
    ['a lone percent sign in a parameter', '/api/v1/campaigns/%'],
  ])('answers broken percent-encoding in %s 400 VALIDATION_FAILED', async (_what, path) => {
    const answer = await api.get(path, { token: bureau });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.any(String) });
  });

  it('answers an over-long path parameter 400 VALIDATION_FAILED', async () => {
    const answer = await api.get(`/api/v1/campaigns/${'a'.repeat(500)}`, { token: bureau });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ statusCode: 400, code: 'VALIDATION_FAILED', message: expect.any(String) });
  });

  it('answers broken percent-encoding in a query string 400 VALIDATION_FAILED', async () => {
    const answer = await api.get('/api/v1/campaigns?status=%E0%A4%A', { token: bureau });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });
});
