import 'reflect-metadata';
import { createApp } from './app.factory';
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
      `  Queue board  ${base}/admin/queues`,
      `  Health       ${base}/health/ready`,
      '',
    ].join('\n') + '\n',
  );
  return app;
});
