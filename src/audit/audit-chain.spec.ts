import { canonicalJson, canonicalJsonAroundHead, eventHash, GENESIS_HASH, sanitiseSnapshot, type ChainedEvent } from './audit-chain';

describe('audit snapshots', () => {
  it('removes secrets and masks account numbers at any depth, whatever the spelling', () => {
    const snapshot = sanitiseSnapshot({
      name: '聚福楼',
      apiKeyHash: 'a'.repeat(64),
      api_key: 'jhk_secret',
      password_hash: 'scrypt$…',
      settlementAccount: { bankName: '工行', accountNumber: '6222020200112233445' },
      webhooks: [{ url: 'https://x', secret: 's3cret' }],
      account_number: '12345678',
    });
    expect(snapshot).toEqual({
      name: '聚福楼',
      settlementAccount: { bankName: '工行', accountNumber: '***************3445' },
      webhooks: [{ url: 'https://x' }],
      account_number: '****5678',
    });
  });

  it('keeps plain JSON: dates as ISO text, undefined gone, null stays null', () => {
    expect(sanitiseSnapshot({ at: new Date('2026-01-01T00:00:00Z'), gone: undefined })).toEqual({ at: '2026-01-01T00:00:00.000Z' });
    expect(sanitiseSnapshot(undefined)).toBeNull();
  });
});

describe('audit hash chain', () => {
  const event: ChainedEvent = {
    id: '00000000-0000-4000-8000-000000000001',
    seq: 1,
    at: '2026-01-01T00:00:00.000Z',
    actor: { type: 'staff', id: 'u1', name: 'admin' },
    action: 'campaign.published',
    subject: { type: 'campaign', id: 'c1' },
    before: { status: 'draft' },
    after: { status: 'published' },
    requestId: 'r1',
    prevHash: GENESIS_HASH,
  };

  it('canonical JSON does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });

  it('the hash changes with every field it covers', () => {
    const hash = eventHash(event);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(eventHash({ ...event, after: { after: undefined, status: 'published' } })).toBe(hash);
    const variants: ChainedEvent[] = [
      { ...event, id: '00000000-0000-4000-8000-000000000002' },
      { ...event, seq: 2 },
      { ...event, at: '2026-01-01T00:00:00.001Z' },
      { ...event, actor: { ...event.actor, name: 'someone' } },
      { ...event, action: 'campaign.closed' },
      { ...event, subject: { type: 'campaign', id: 'c2' } },
      { ...event, before: null },
      { ...event, after: { status: 'closed' } },
      { ...event, requestId: null },
      { ...event, prevHash: 'f'.repeat(64) },
    ];
    for (const variant of variants) expect(eventHash(variant)).not.toBe(hash);
  });
});

describe('the canonical JSON around the chain head', () => {
  it.each([
    ['a staff change', { before: { status: 'active' }, after: { status: 'disabled', note: 'seq "prevHash" }' } }, 'req-1'],
    ['a system event without a request', { before: null, after: { day: '2026-12-01' } }, null],
  ])('joins with a seq and a predecessor into exactly the canonical JSON the verifier hashes (%s)', (_name, snapshots, requestId) => {
    const own = {
      id: '0b6f1c9e-5d4f-4e0b-9a53-9ad1d8d6f001',
      at: '2026-12-02T06:00:00.000Z',
      actor: { type: 'staff' as const, id: 'u1', name: '张三' },
      action: 'staff.updated',
      subject: { type: 'staff', id: 'u2' },
      requestId,
      ...snapshots,
    };
    const event: ChainedEvent = { ...own, seq: 1234, prevHash: 'f'.repeat(64) };
    const { before, between, after } = canonicalJsonAroundHead(own);
    expect(`${before}${event.prevHash}${between}${event.seq}${after}`).toBe(canonicalJson(event));
  });
});
