import { randomUUID, webcrypto } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VouchersService } from '../src/vouchers/vouchers.service';
import type { DeliveryView, WebhookView } from '../src/webhooks/webhook.view';
import { bureauToken, insertVoucher, makeCampaign, makeMerchant, makeRound, merchantToken } from './support/factories';
import { ApiClient, ErrorBody } from './support/http';
import { bootTestApp, testEnvironment, TestApp } from './support/test-app';
import { until } from './support/wait';
import { startWorkerProcess, WorkerProcess } from './support/worker-process';

const API = '/api/v1';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers its nth request (from 1): a status, after an optional pause. */
type Answer = (n: number) => { status: number; delayMs?: number };

/** A webhook receiver on 127.0.0.1 that keeps every request it gets. */
class Receiver {
  readonly received: Received[] = [];
  private server?: Server;
  port = 0;

  constructor(private answer: Answer) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  answerWith(answer: Answer): void {
    this.answer = answer;
  }

  /** Listens (again, on the same port once it had one). */
  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const { status, delayMs = 0 } = this.answer(this.received.length);
        setTimeout(() => response.writeHead(status).end(), delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  events(): Array<{ id: string; type: string; at: string; data: Record<string, unknown> }> {
    return this.received.map(
      (request) => JSON.parse(request.body) as { id: string; type: string; at: string; data: Record<string, unknown> },
    );
  }
}

/**
 * The Standard Webhooks check written again from the specification, with WebCrypto rather
 * than the server's node:crypto HMAC: the signed content is `${id}.${timestamp}.${body}`, the
 * key the base64 after `whsec_`, the header a space-separated list of `v1,<base64>`.
 */
async function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string): Promise<boolean> {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = await webcrypto.subtle.importKey(
    'raw',
    Buffer.from(secret.replace(/^whsec_/, ''), 'base64'),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await webcrypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  const expected = Buffer.from(mac).toString('base64');
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => entry === `v1,${expected}`);
}

describe('webhooks: signed, delivered at least once', () => {
  let t: TestApp;
  let api: ApiClient;
  let admin: string;
  let denominationId: string;
  let merchant: string;
  const receivers: Receiver[] = [];
  const workers: WorkerProcess[] = [];

  const receiver = async (answer: Answer): Promise<Receiver> => {
    const started = await new Receiver(answer).start();
    receivers.push(started);
    return started;
  };

  const subscribe = async (url: string, events: string[]) => {
    const response = await api.post<{ webhook: WebhookView; secret: string }>(`${API}/webhooks`, { url, events }, { token: admin });
    expect(response.status).toBe(201);
    return response.body;
  };

  const deliveries = async (webhookId: string) => {
    const response = await api.get<{ items: DeliveryView[]; total: number }>(`${API}/webhooks/${webhookId}/deliveries`, { token: admin });
    expect(response.status).toBe(200);
    return response.body.items;
  };

  /** Redeems a new voucher through POST /redemptions: a voucher.redeemed event. */
  const redeemOne = async (): Promise<{ id: string; voucherId: string }> => {
    const voucher = await insertVoucher(t.db, denominationId);
    const response = await api.post<{ id: string; voucherId: string }>(
      `${API}/redemptions`,
      { code: voucher.code, orderAmount: 30000 },
      { token: merchant, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(response.status).toBe(201);
    return response.body;
  };

  beforeAll(async () => {
    t = await bootTestApp({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_DELAY_MS: '50',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_DISABLE_AFTER_FAILURES: '6',
    });
    api = new ApiClient(t.baseUrl);
    admin = await bureauToken(api);
    const campaign = await makeCampaign(api, admin);
    denominationId = (await makeRound(api, admin, campaign.id)).denominations[0].id;
    merchant = merchantToken((await makeMerchant(api, admin)).merchant.id);
  });

  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    for (const started of receivers) await started.stop();
    await t.close();
  });

  it('signs each delivery as Standard Webhooks says, with the event {id, type, at, data}', async () => {
    const hook = await receiver(() => ({ status: 204 }));
    const { webhook, secret } = await subscribe(hook.url, ['voucher.redeemed', 'voucher.reversed']);
    expect(secret).toMatch(/^whsec_/);
    const redemption = await redeemOne();
    const reversal = await api.post(
      `${API}/redemptions/${redemption.id}/reverse`,
      { reason: 'returned goods' },
      { token: merchant, headers: { 'idempotency-key': randomUUID() } },
    );
    expect(reversal.status).toBe(200);

    await until('both events delivered', () => Promise.resolve(hook.received.length >= 2));
    for (const request of hook.received) {
      expect(await verifyStandardWebhook(secret, request.headers, request.body)).toBe(true);
      // One changed byte, and the independent check refuses it: it really checks the signature.
      expect(await verifyStandardWebhook(secret, request.headers, request.body.replace('voucher', 'Voucher'))).toBe(false);
      expect(request.headers['content-type']).toBe('application/json');
    }
    const [redeemed, reversed] = hook.events();
    expect(redeemed).toMatchObject({ type: 'voucher.redeemed', data: { id: redemption.id, voucherId: redemption.voucherId } });
    expect(reversed).toMatchObject({ type: 'voucher.reversed', data: { id: redemption.id, status: 'reversed', voucherStatus: 'claimed' } });
    expect(hook.received.map((request) => request.headers['webhook-id'])).toEqual([redeemed.id, reversed.id]);
    expect(Date.parse(redeemed.at)).not.toBeNaN();

    await until('recorded delivered', async () => (await deliveries(webhook.id)).every((d) => d.status === 'delivered'));
    const recorded = await deliveries(webhook.id);
    expect(recorded.map((d) => [d.eventType, d.attempts, d.lastStatus])).toEqual(
      expect.arrayContaining([
        ['voucher.redeemed', 1, 204],
        ['voucher.reversed', 1, 204],
      ]),
    );
  });

  it('retries a receiver that fails, until it recovers; every attempt carries the same event id and is recorded', async () => {
    const hook = await receiver((n) => ({ status: n <= 3 ? 503 : 200 }));
    const { webhook } = await subscribe(hook.url, ['voucher.redeemed']);
    await redeemOne();

    await until('delivered after the receiver recovered', async () => (await deliveries(webhook.id))[0]?.status === 'delivered');
    expect(hook.received).toHaveLength(4);
    expect(new Set(hook.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
    const [delivery] = await deliveries(webhook.id);
    expect(delivery).toMatchObject({ attempts: 4, lastStatus: 200, nextAttemptAt: null });
    const attempts = await t.db.query<{ status: number }>(
      `SELECT status FROM webhook_delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
      [delivery.id],
    );
    expect(attempts.map((a) => a.status)).toEqual([503, 503, 503, 200]);
    const [listed] = (await api.get<{ items: WebhookView[] }>(`${API}/webhooks`, { token: admin })).body.items.filter(
      (w) => w.id === webhook.id,
    );
    expect(listed).toMatchObject({ enabled: true, failureStreak: 0 });
  });

  it('keeps trying a receiver that is down for a while, and delivers once it is back', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    await hook.stop(); // the port is known and nothing listens on it
    const { webhook } = await subscribe(hook.url, ['voucher.redeemed']);
    const redemption = await redeemOne();

    await until('three refused attempts', async () => ((await deliveries(webhook.id))[0]?.attempts ?? 0) >= 3);
    const [down] = await deliveries(webhook.id);
    expect(down).toMatchObject({ status: 'pending', lastStatus: null });
    expect(down.lastError).toContain('ECONNREFUSED');
    expect(down.nextAttemptAt).not.toBeNull();

    await hook.start();
    await until('delivered once the receiver is back', async () => (await deliveries(webhook.id))[0]?.status === 'delivered');
    expect(hook.events()).toEqual([
      expect.objectContaining({ type: 'voucher.redeemed', data: expect.objectContaining({ id: redemption.id }) }),
    ]);
  });

  it('gives up on an answer slower than the time-out, and retries', async () => {
    const hook = await receiver((n) => ({ status: 200, delayMs: n === 1 ? 1500 : 0 }));
    const { webhook } = await subscribe(hook.url, ['voucher.redeemed']);
    await redeemOne();

    await until('delivered by a retry', async () => (await deliveries(webhook.id))[0]?.status === 'delivered');
    const [delivery] = await deliveries(webhook.id);
    expect(delivery.attempts).toBe(2);
    const [first] = await t.db.query<{ status: number | null; error: string }>(
      `SELECT status, error FROM webhook_delivery_attempts WHERE delivery_id = $1 AND attempt = 1`,
      [delivery.id],
    );
    expect(first).toEqual({ status: null, error: 'no answer within 500 ms' });
    // The slow answer arrived too late to count, so the receiver saw the event twice, under one id.
    expect(hook.received).toHaveLength(2);
    expect(hook.received[0].headers['webhook-id']).toBe(hook.received[1].headers['webhook-id']);
  });

  it('disables an endpoint after a long run of failures, shows it in the list, and resumes when enabled again', async () => {
    const hook = await receiver(() => ({ status: 500 }));
    const { webhook } = await subscribe(hook.url, ['voucher.redeemed']);
    await redeemOne();

    const listed = async () =>
      (await api.get<{ items: WebhookView[] }>(`${API}/webhooks?limit=500`, { token: admin })).body.items.find((w) => w.id === webhook.id);
    await until('disabled', async () => (await listed())?.enabled === false);
    expect(await listed()).toMatchObject({ enabled: false, status: 'disabled', disabledReason: 'failures', failureStreak: 6 });
    const [delivery] = await deliveries(webhook.id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 6 });
    const [event] = await t.db.query(`SELECT action, actor_type FROM audit_events WHERE action = 'webhook.disabled' AND subject_id = $1`, [
      webhook.id,
    ]);
    expect(event).toEqual({ action: 'webhook.disabled', actor_type: 'system' });

    hook.answerWith(() => ({ status: 200 }));
    const enabled = await api.patch<WebhookView>(`${API}/webhooks/${webhook.id}`, { enabled: true }, { token: admin });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failureStreak: 0 });
    await until('delivered after re-enabling', async () => (await deliveries(webhook.id))[0]?.status === 'delivered');
    expect(hook.received).toHaveLength(7);
  });

  it('reports vouchers marked expired by the expiry sweep', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    await subscribe(hook.url, ['voucher.expired']);
    const voucher = await insertVoucher(t.db, denominationId, { validUntil: new Date(Date.now() - 60_000) });
    await t.app.get(VouchersService).expireOverdue();

    await until('voucher.expired delivered', () => Promise.resolve(hook.received.length >= 1));
    expect(hook.events()).toEqual([
      expect.objectContaining({ type: 'voucher.expired', data: expect.objectContaining({ voucherId: voucher.id }) }),
    ]);
  });

  it('sends voucher.expiring once per voucher, with several workers and reminder runs at once', async () => {
    const hook = await receiver(() => ({ status: 200 }));
    await subscribe(hook.url, ['voucher.expiring']);
    const soon = await Promise.all(
      Array.from({ length: 20 }, () => insertVoucher(t.db, denominationId, { validUntil: new Date(Date.now() + 24 * 3600_000) })),
    );
    const later = await insertVoucher(t.db, denominationId, { validUntil: new Date(Date.now() + 10 * 24 * 3600_000) });
    const env = testEnvironment(t.db, t.redisUrl, { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_DELAY_MS: '50' });
    workers.push(...(await Promise.all([startWorkerProcess(env), startWorkerProcess(env)])));

    const vouchers = t.app.get(VouchersService);
    const written = await Promise.all(Array.from({ length: 8 }, () => vouchers.remindExpiring(3)));
    expect(written.reduce((sum, n) => sum + n, 0)).toBe(soon.length);

    await until('every reminder delivered', () => Promise.resolve(hook.received.length >= soon.length));
    expect(await vouchers.remindExpiring(3)).toBe(0);
    const [{ pending }] = await t.db.query<{ pending: number }>(
      `SELECT count(*)::int AS pending FROM webhook_events WHERE type = 'voucher.expiring' AND dispatched_at IS NULL`,
    );
    expect(pending).toBe(0);
    const reminded = hook.events().map((event) => event.data.voucherId);
    expect([...reminded].sort()).toEqual(soon.map((v) => v.id).sort());
    expect(reminded).not.toContain(later.id);
  });
});

describe('webhook endpoints: the admin API', () => {
  let t: TestApp;
  let api: ApiClient;
  let admin: string;

  beforeAll(async () => {
    t = await bootTestApp({ WEBHOOK_RETRY_DELAY_MS: '50' });
    api = new ApiClient(t.baseUrl);
    admin = await bureauToken(api);
  });
  afterAll(() => t.close());

  it('checks the address again at delivery: a stored endpoint whose name resolves to 127.0.0.1 is never sent to', async () => {
    const hook = await new Receiver(() => ({ status: 200 })).start();
    try {
      // Stored straight in the table, as if saved while the name still resolved elsewhere.
      const [endpoint] = await t.db.query<{ id: string }>(
        `INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, '{voucher.redeemed}', 'whsec_AAAA') RETURNING id`,
        [`http://localhost:${hook.port}/hook`],
      );
      await t.db.query(`INSERT INTO webhook_events (type, data) VALUES ('voucher.redeemed', '{}')`);
      await until('two refused attempts', async () => {
        const [row] = await t.db.query<{ attempts: number }>(`SELECT attempts FROM webhook_deliveries WHERE endpoint_id = $1`, [
          endpoint.id,
        ]);
        return (row?.attempts ?? 0) >= 2;
      });
      const [delivery] = await t.db.query<{ status: string; last_error: string }>(
        `SELECT status, last_error FROM webhook_deliveries WHERE endpoint_id = $1`,
        [endpoint.id],
      );
      expect(delivery.status).toBe('pending');
      expect(delivery.last_error).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
      expect(hook.received).toEqual([]);
      await t.db.query(`DELETE FROM webhook_endpoints WHERE id = $1`, [endpoint.id]);
    } finally {
      await hook.stop();
    }
  });

  it.each([
    ['http://localhost:8080/hook', 'a name that resolves to 127.0.0.1'],
    ['http://127.0.0.1/hook', 'loopback'],
    ['http://[::1]/hook', 'IPv6 loopback'],
    ['https://10.1.2.3/hook', 'private'],
    ['https://192.168.0.10/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'link-local (cloud metadata)'],
    ['http://0.0.0.0/hook', 'unspecified'],
    ['ftp://203.0.113.7/hook', 'not http(s)'],
    ['not a url', 'not a URL'],
  ])('refuses %s (%s) with 400 and stores nothing', async (url) => {
    const response = await api.post<ErrorBody>(`${API}/webhooks`, { url, events: ['voucher.redeemed'] }, { token: admin });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(await t.db.query(`SELECT id FROM webhook_endpoints`)).toEqual([]);
  });

  it('refuses unknown event types and an empty list', async () => {
    for (const events of [['voucher.stolen'], []]) {
      const response = await api.post<ErrorBody>(`${API}/webhooks`, { url: 'https://203.0.113.7/hook', events }, { token: admin });
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('creates (secret shown once), lists, updates and deletes, each with its audit event and no secret in it', async () => {
    const created = await api.post<{ webhook: WebhookView; secret: string }>(
      `${API}/webhooks`,
      { url: 'https://203.0.113.7/hook', events: ['voucher.redeemed'] },
      { token: admin },
    );
    expect(created.status).toBe(201);
    const { webhook, secret } = created.body;
    expect(webhook).toMatchObject({ url: 'https://203.0.113.7/hook', events: ['voucher.redeemed'], enabled: true, failureStreak: 0 });

    const list = await api.get<{ items: WebhookView[]; total: number }>(`${API}/webhooks`, { token: admin });
    expect(list.body.total).toBe(1);
    expect(list.text).not.toContain(secret.slice(6));

    const refused = await api.patch<ErrorBody>(`${API}/webhooks/${webhook.id}`, { url: 'http://localhost/hook' }, { token: admin });
    expect(refused.status).toBe(400);
    const paused = await api.patch<WebhookView>(
      `${API}/webhooks/${webhook.id}`,
      { enabled: false, events: ['statement.paid'] },
      { token: admin },
    );
    expect(paused.body).toMatchObject({ enabled: false, status: 'disabled', disabledReason: 'admin', events: ['statement.paid'] });

    expect((await api.get(`${API}/webhooks/${webhook.id}/deliveries`, { token: admin })).body).toEqual({ items: [], total: 0 });
    expect((await api.delete(`${API}/webhooks/${webhook.id}`, { token: admin })).status).toBe(200);
    expect((await api.get(`${API}/webhooks/${webhook.id}/deliveries`, { token: admin })).status).toBe(404);
    expect((await api.delete(`${API}/webhooks/${webhook.id}`, { token: admin })).status).toBe(404);

    const audit = await t.db.query<{ action: string; text: string }>(
      `SELECT action, coalesce(before::text, '') || coalesce(after::text, '') AS text FROM audit_events WHERE subject_id = $1 ORDER BY seq`,
      [webhook.id],
    );
    expect(audit.map((event) => event.action)).toEqual(['webhook.created', 'webhook.updated', 'webhook.deleted']);
    for (const event of audit) expect(event.text).not.toContain(secret.slice(6));
  });
});
