import { createHash, createPublicKey, verify } from 'node:crypto';
import { eventHash } from '../src/audit/audit-chain';
import { DailySealService } from '../src/audit/daily-seal.service';
import { calendarDate } from '../src/common/time';
import { bureauToken, makeStaff } from './support/factories';
import { ApiClient } from './support/http';
import { rootFromPath } from './support/rfc6962';
import { bootTestApp, TestApp } from './support/test-app';
import { until } from './support/wait';

const DAY = 24 * 3600_000;

/**
 * Signed checkpoints and inclusion proofs as an outsider checks them: with nothing but the
 * API's answers, the published public key, node:crypto and RFC 6962.
 */
describe('audit checkpoints and inclusion proofs', () => {
  let t: TestApp;
  let api: ApiClient;
  let admin: string;

  beforeAll(async () => {
    t = await bootTestApp({ AUDIT_CHECKPOINT_SECONDS: '1' });
    api = new ApiClient(t.baseUrl);
    admin = await bureauToken(api);
  });
  afterAll(() => t.close());

  const eventCount = async () => Number((await t.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_events`))[0].n);
  const latestCheckpoint = async () => (await api.get('/api/v1/audit/checkpoints?limit=1', { token: admin })).body.items[0];

  it('the worker signs a checkpoint of new events within its period', async () => {
    for (let i = 0; i < 3; i++) await makeStaff(api, admin, ['operator']);
    const events = await eventCount();
    await until(`a checkpoint of ${events} events`, async () => (await latestCheckpoint())?.size >= events);
  });

  it('gives every event a proof that verifies independently against a checkpoint signed by the published key', async () => {
    const checkpoint = await latestCheckpoint();
    // Enough events that paths have several levels (the test above made them).
    expect(checkpoint.size).toBeGreaterThan(3);
    const { body: key } = await api.get('/api/v1/audit/public-key');
    expect(key).toMatchObject({ algorithm: 'Ed25519', publicKey: expect.stringContaining('BEGIN PUBLIC KEY') });
    const publicKey = createPublicKey(key.publicKey);
    expect(key.keyId).toBe(
      createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex')
        .slice(0, 16),
    );

    expect(checkpoint.keyId).toBe(key.keyId);
    const signed = `juhui-audit-checkpoint-v1\n${checkpoint.size}\n${checkpoint.rootHash}\n${checkpoint.at}`;
    expect(verify(null, Buffer.from(signed), publicKey, Buffer.from(checkpoint.signature, 'base64'))).toBe(true);

    const { body: events } = await api.get(`/api/v1/audit/events?limit=${checkpoint.size}`, { token: admin });
    for (const event of events.items.slice(0, checkpoint.size)) {
      // The leaf is the event's hash, and that hash is the event's content.
      const { hash, ...content } = event;
      expect(eventHash({ before: null, after: null, ...content })).toBe(hash);
      const proof = await api.get(`/api/v1/audit/events/${event.id}/proof?size=${checkpoint.size}`, { token: admin });
      expect(proof.status).toBe(200);
      expect(proof.body).toMatchObject({ leafIndex: event.seq - 1, size: checkpoint.size, rootHash: checkpoint.rootHash, checkpoint });
      const path = (proof.body.auditPath as string[]).map((hex) => Buffer.from(hex, 'hex'));
      const root = rootFromPath(Buffer.from(hash, 'hex'), event.seq - 1, checkpoint.size, path).toString('hex');
      expect({ seq: event.seq, root }).toEqual({ seq: event.seq, root: checkpoint.rootHash });
    }
  });

  it('proves against the latest checkpoint by default, and refuses a proof it cannot give', async () => {
    const [first] = (await api.get('/api/v1/audit/events?limit=1', { token: admin })).body.items;
    const latest = await latestCheckpoint();
    const byDefault = await api.get(`/api/v1/audit/events/${first.id}/proof`, { token: admin });
    expect(byDefault.body.size).toBeGreaterThanOrEqual(latest.size);

    const oldest = (await t.db.query<{ size: string }>(`SELECT min(size)::text AS size FROM audit_checkpoints`))[0].size;
    await makeStaff(api, admin, ['auditor']);
    const [newest] = (await api.get(`/api/v1/audit/events?offset=${(await eventCount()) - 1}`, { token: admin })).body.items;
    const cases: Array<[string, number, string]> = [
      [`/audit/events/${newest.id}/proof?size=${oldest}`, 409, 'INVALID_STATE'],
      [`/audit/events/${first.id}/proof?size=999999`, 404, 'NOT_FOUND'],
      [`/audit/events/${first.id}/proof?size=0`, 400, 'VALIDATION_FAILED'],
      [`/audit/events/${first.id}/proof?size=ten`, 400, 'VALIDATION_FAILED'],
      [`/audit/events/not-a-uuid/proof`, 400, 'VALIDATION_FAILED'],
      [`/audit/events/00000000-0000-4000-8000-000000000000/proof`, 404, 'NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await api.get(`/api/v1${path}`, { token: admin });
      expect({ path, status: answer.status, code: answer.body.code }).toEqual({ path, status, code });
    }
  });

  it('makes a checkpoint on demand: one per size even when asked many times at once', async () => {
    await makeStaff(api, admin, ['finance']);
    const events = await eventCount();
    const answers = await Promise.all(Array.from({ length: 6 }, () => api.post('/api/v1/audit/checkpoints', {}, { token: admin })));
    expect(answers.filter((answer) => answer.status === 201).length).toBeLessThanOrEqual(1);
    expect(answers.map((answer) => [answer.status === 200 || answer.status === 201, answer.body.size])).toEqual(
      answers.map(() => [true, events]),
    );
    expect(await t.db.query(`SELECT size FROM audit_checkpoints WHERE size = $1`, [events])).toHaveLength(1);
    const again = await api.post('/api/v1/audit/checkpoints', {}, { token: admin });
    expect({ status: again.status, size: again.body.size }).toEqual({ status: 200, size: events });
  });

  it('seals a day once, however many sealers run at once', async () => {
    const yesterday = calendarDate(new Date(Date.now() - DAY), t.config.campaignTimezone);
    const seals = t.app.get(DailySealService);
    const sealed = await Promise.all(Array.from({ length: 5 }, () => seals.sealDay(yesterday)));
    expect(sealed.filter(Boolean)).toHaveLength(1);
    const rows = await t.db.query<{ after: Record<string, unknown> }>(
      `SELECT after FROM audit_events WHERE action = 'audit.daily_seal' AND subject_id = $1`,
      [yesterday],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].after).toMatchObject({
      day: yesterday,
      vouchers: { count: 0, root: createHash('sha256').digest('hex') },
      redemptions: { count: 0 },
    });
  });
});
