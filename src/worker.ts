import 'reflect-metadata';
import { createWorkerContext } from './app.factory';
import { launch } from './bootstrap';

/** The worker entry point: WorkerModule, the background work without HTTP. Tests wait for this line. */
const WORKER_READY_LINE = 'Juhui worker is running';

launch('Worker', async (config) => {
  const context = await createWorkerContext(config);
  process.stdout.write(`  ${WORKER_READY_LINE} (settlement, maintenance and stats queues, pid ${process.pid})\n`);
  return context;
});
