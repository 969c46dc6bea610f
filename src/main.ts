import 'reflect-metadata';
import { createApp } from './app.factory';
import { signToken } from './auth/jwt';
import { launch } from './bootstrap';
import { DemoSeeder } from './demo/demo.seeder';

launch('Main', async (config) => {
  const app = await createApp(config);
  if (config.seedDemo) await app.get(DemoSeeder).seedIfEmpty();
  await app.listen({ port: config.port, host: '0.0.0.0' });
  const base = `http://localhost:${config.port}`;
  process.stdout.write(
    [
      '',
      `  Juhui is running${config.runWorker ? ' (API and worker)' : ' (API)'}`,
      `  API          ${base}/api/v1`,
      `  API docs     ${base}/docs`,
      `  Dashboard    ${base}/dashboard   (bureau login: ${config.bureauAdminUsername})`,
      `  Wallet       ${base}/wallet      (a resident, with the token handed over in the link)`,
      `  Cashier      ${base}/cashier     (a merchant, with its API key: the demo one is printed when the demo is seeded)`,
      `  Queue board  ${base}/admin/queues`,
      `  Health       ${base}/health/ready`,
      ...(config.seedDemo ? demoWalletLink(base, config.authJwtSecret) : []),
      '',
    ].join('\n') + '\n',
  );
  return app;
});

/**
 * A ready wallet link for a demo resident, as a city app would open it: the resident's JWT in
 * the URL fragment, which the browser never sends to the server. Printed for demos only.
 */
function demoWalletLink(base: string, jwtSecret: string): string[] {
  const token = signToken({ role: 'resident', residentId: 'demo-resident' }, jwtSecret, 7 * 24 * 3600);
  return ['', `  Demo wallet (resident "demo-resident", valid 7 days):`, `    ${base}/wallet#token=${token}`];
}
