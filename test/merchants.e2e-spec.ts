import { bureauToken, makeMerchant, MerchantRegistration, merchantInput } from './support/factories';
import { ApiClient, ErrorBody } from './support/http';
import { bootTestApp, TestApp } from './support/test-app';
import type { Page } from '../src/common/http/pagination';
import type { MerchantView } from '../src/merchants/merchant.view';

describe('merchants', () => {
  let t: TestApp;
  let api: ApiClient;
  let bureau: string;

  beforeAll(async () => {
    t = await bootTestApp();
    api = new ApiClient(t.baseUrl);
    bureau = await bureauToken(api);
  });
  afterAll(() => t.close());

  it('registers a merchant, shows the API key once and masks the account everywhere', async () => {
    const created = await api.post<MerchantRegistration>(
      '/api/v1/merchants',
      merchantInput({
        name: '聚福楼酒家',
        themes: ['catering', 'new-year-goods'],
        settlementAccount: { bankName: '中国工商银行', accountName: '聚福楼餐饮有限公司', accountNumber: '6222020200112233445' },
      }),
      { token: bureau },
    );
    expect(created.status).toBe(201);
    const { merchant, apiKey } = created.body;
    expect(apiKey).toMatch(/^jhk_[A-Za-z0-9_-]{32}$/);
    expect(merchant).toMatchObject({ name: '聚福楼酒家', themes: ['catering', 'new-year-goods'], status: 'active' });
    expect(merchant.settlementAccount).toEqual({
      bankName: '中国工商银行',
      accountName: '聚福楼餐饮有限公司',
      accountNumber: '***************3445',
    });

    for (const response of [
      await api.get(`/api/v1/merchants/${merchant.id}`, { token: bureau }),
      await api.get('/api/v1/merchants?limit=500', { token: bureau }),
      await api.patch(`/api/v1/merchants/${merchant.id}`, { themes: ['catering'] }, { token: bureau }),
    ]) {
      expect(response.status).toBe(200);
      expect(response.text).not.toContain('6222020200112233445');
      expect(response.text).not.toContain(apiKey);
      expect(response.text).toContain('3445');
    }
    const stored = await t.db.query<{ key_hash: string; label: string }>(
      'SELECT key_hash, label FROM merchant_api_keys WHERE merchant_id = $1',
      [merchant.id],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]?.label).toBe('registration');
    expect(stored[0]?.key_hash).toHaveLength(64);
    expect(stored[0]?.key_hash).not.toContain(apiKey.slice(4));
  });

  it('authenticates a merchant by its API key, and refuses unknown keys', async () => {
    const { apiKey } = await makeMerchant(api, bureau);
    // A merchant may browse public campaigns with its key; a forged key is refused outright.
    expect((await api.get('/api/v1/campaigns', { token: apiKey })).status).toBe(200);
    const forged = await api.get<ErrorBody>('/api/v1/campaigns', { token: `${apiKey.slice(0, -2)}xx` });
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('UNAUTHENTICATED');
    // A merchant key is not a bureau credential.
    expect((await api.get('/api/v1/merchants', { token: apiKey })).status).toBe(403);
  });

  it('suspends and reactivates, changes themes, filters the list', async () => {
    const { merchant } = await makeMerchant(api, bureau, { themes: ['autos'] });
    const suspended = await api.patch<MerchantView>(`/api/v1/merchants/${merchant.id}`, { status: 'suspended' }, { token: bureau });
    expect(suspended.body.status).toBe('suspended');
    const listed = await api.get<Page<MerchantView>>('/api/v1/merchants?status=suspended&limit=500', { token: bureau });
    expect(listed.body.items.map((m) => m.id)).toContain(merchant.id);
    expect(listed.body.items.every((m) => m.status === 'suspended')).toBe(true);
    const active = await api.patch<MerchantView>(
      `/api/v1/merchants/${merchant.id}`,
      { status: 'active', themes: ['autos', 'appliances'] },
      { token: bureau },
    );
    expect(active.body).toMatchObject({ status: 'active', themes: ['autos', 'appliances'] });
    const byTheme = await api.get<Page<MerchantView>>('/api/v1/merchants?theme=appliances&limit=500', { token: bureau });
    expect(byTheme.body.items.map((m) => m.id)).toContain(merchant.id);
    const missing = await api.get('/api/v1/merchants/00000000-0000-4000-8000-000000000000', { token: bureau });
    expect(missing.status).toBe(404);
  });

  it('lists active merchants publicly in the directory: name and themes only, by theme', async () => {
    const listed = (await makeMerchant(api, bureau, { name: '目录商户 Directory shop', themes: ['farm-goods'] })).merchant;
    const hidden = (await makeMerchant(api, bureau, { themes: ['farm-goods'] })).merchant;
    await api.patch(`/api/v1/merchants/${hidden.id}`, { status: 'suspended' }, { token: bureau });
    const other = (await makeMerchant(api, bureau, { themes: ['autos'] })).merchant;

    const directory = await api.get<Page<{ id: string; name: string; themes: string[] }>>(
      '/api/v1/merchants/directory?theme=farm-goods&limit=500',
    );
    expect(directory.status).toBe(200);
    expect(directory.body.items).toContainEqual({ id: listed.id, name: '目录商户 Directory shop', themes: ['farm-goods'] });
    const ids = directory.body.items.map((m) => m.id);
    expect(ids).not.toContain(hidden.id);
    expect(ids).not.toContain(other.id);
    expect(directory.body.total).toBe(directory.body.items.length);
    expect(JSON.stringify(directory.body)).not.toMatch(/settlementAccount|accountNumber|outstanding/);

    const bad = await api.get<ErrorBody>('/api/v1/merchants/directory?theme=nonsense');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });
});
