import { AuditService } from '../src/audit/audit.service';
import { eventHash, GENESIS_HASH } from '../src/audit/audit-chain';
import { systemAuditContext } from '../src/audit/audit-context';
import { UnitOfWork } from '../src/database/unit-of-work';
import { bureauToken, makeMerchant, merchantToken, residentToken } from './support/factories';
import { ApiClient } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';

describe('audit log: recording', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;
  let audit: AuditService;
  let uow: UnitOfWork;

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
    audit = t.app.get(AuditService);
    uow = t.app.get(UnitOfWork);
  });
  afterAll(() => t.close());

  const events = async (query = '') => {
    const response = await api.get(`/api/v1/audit/events?limit=500${query}`, { token: bureau });
    expect(response.status).toBe(200);
    return response.body as { items: any[]; total: number };
  };

  it('writes an event in the caller’s transaction, masked and chained, and none when it rolls back', async () => {
    const { total: already } = await events();
    await uow.run((manager) =>
      audit.record(
        manager,
        { actor: { type: 'staff', id: 'u-1', name: 'ops' }, requestId: 'req-1' },
        {
          action: 'merchant.updated',
          subject: { type: 'merchant', id: 'm-1' },
          before: { status: 'active', apiKeyHash: 'h'.repeat(64), accountNumber: '6222020200112233445' },
          after: { status: 'suspended', password: 'never-logged' },
        },
      ),
    );
    await expect(
      uow.run(async (manager) => {
        await audit.record(manager, systemAuditContext('test'), { action: 'x.rolled-back', subject: { type: 'x', id: '1' } });
        throw new Error('the change fails');
      }),
    ).rejects.toThrow('the change fails');

    const { items, total } = await events('&subjectType=merchant&subjectId=m-1');
    expect(total).toBe(1);
    const [event] = items;
    expect(event).toMatchObject({
      actor: { type: 'staff', id: 'u-1', name: 'ops' },
      action: 'merchant.updated',
      subject: { type: 'merchant', id: 'm-1' },
      before: { status: 'active', accountNumber: '***************3445' },
      after: { status: 'suspended' },
      requestId: 'req-1',
    });
    expect(JSON.stringify(event)).not.toMatch(/hhhh|never-logged|6222020200112233445/);
    expect((await events('&action=x.rolled-back')).total).toBe(0);
    expect((await events()).total).toBe(already + 1);
  });

  it('chains concurrent writers without a fork: seq 1..n, each prevHash the hash before it', async () => {
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        uow.run((manager) =>
          audit.record(manager, systemAuditContext('test'), { action: 'test.concurrent', subject: { type: 'test', id: String(i) } }),
        ),
      ),
    );
    const { items, total } = await events();
    expect(total).toBeGreaterThanOrEqual(200);
    let prevHash = GENESIS_HASH;
    items.forEach((event, index) => {
      expect(event.seq).toBe(index + 1);
      expect(event.prevHash).toBe(prevHash);
      const { hash, ...rest } = event;
      expect(eventHash({ before: null, after: null, ...rest })).toBe(hash);
      prevHash = hash;
    });
  });

  it('lets only auditors and admins read the log', async () => {
    const { merchant } = await makeMerchant(api, bureau);
    expect((await api.get('/api/v1/audit/events', { token: residentToken('r-1') })).status).toBe(403);
    expect((await api.get('/api/v1/audit/events', { token: merchantToken(merchant.id) })).status).toBe(403);
    expect((await api.get('/api/v1/audit/events')).status).toBe(401);
    expect((await api.get('/api/v1/audit/events?from=yesterday', { token: bureau })).status).toBe(400);
  });
});
