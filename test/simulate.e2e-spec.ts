import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bootTestApp, TEST_ADMIN, TEST_JWT_SECRET, TestApp } from './support/test-app';

const SIMULATOR = join(__dirname, '..', 'dist', 'scripts', 'simulate', 'main.js');

function simulate(baseUrl: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SIMULATOR, '--base-url', baseUrl, ...args], {
      env: { ...process.env, AUTH_JWT_SECRET: TEST_JWT_SECRET, BUREAU_ADMIN_PASSWORD: TEST_ADMIN.password },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run simulate', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await bootTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('refuses a base URL that is not loopback', async () => {
    const { code, output } = await simulate('http://example.com', ['--seconds', '20']);
    expect(code).toBe(1);
    expect(output).toContain('loopback');
  });

  it('drives a rush, checkouts, reversals and a settlement run within its time, showing progress', async () => {
    const { code, output } = await simulate(app.baseUrl, [
      '--seconds',
      '20',
      '--residents',
      '500',
      '--merchants',
      '4',
      '--concurrency',
      '20',
    ]);
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(/round open: residents rushing/);
    expect(output).toMatch(/claims: /);
    expect(output).toMatch(/settlement run completed/);

    const [campaign] = await app.db.query<{ id: string }>(`SELECT id FROM campaigns WHERE name LIKE '模拟餐饮消费券 Simulation %'`);
    const [row] = await app.db.query<{ vouchers: string; redemptions: string; reversed: string; settled: string }>(
      `SELECT (SELECT count(*) FROM vouchers WHERE campaign_id = $1) AS vouchers,
              (SELECT count(*) FROM redemptions WHERE campaign_id = $1) AS redemptions,
              (SELECT count(*) FROM redemptions WHERE campaign_id = $1 AND status = 'reversed') AS reversed,
              (SELECT count(*) FROM redemptions WHERE campaign_id = $1 AND settlement_statement_id IS NOT NULL) AS settled`,
      [campaign.id],
    );
    expect(Number(row.vouchers)).toBeGreaterThan(0);
    expect(Number(row.vouchers)).toBeLessThanOrEqual(200); // 40% of the residents: the rush sells out
    expect(output).toMatch(/SOLD_OUT \d+/);
    expect(Number(row.redemptions)).toBeGreaterThan(0);
    expect(Number(row.reversed)).toBeGreaterThan(0);
    expect(Number(row.settled)).toBeGreaterThan(0);
  });
});
