import { MicroBatcher } from './micro-batcher';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('MicroBatcher', () => {
  it('writes a lone item at once and concurrent items together, each getting its own result', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number, string>({
      maxBatchSize: 100,
      maxConcurrentFlushes: 1,
      flush: async (items) => {
        batches.push(items);
        await tick();
        return items.map((n) => `#${n}`);
      },
    });
    expect(await batcher.submit(1)).toBe('#1');
    const results = await Promise.all([2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(results).toEqual(['#2', '#3', '#4', '#5']);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('caps the batch size and the number of concurrent flushes', async () => {
    let running = 0;
    let mostRunning = 0;
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, number>({
      maxBatchSize: 3,
      maxConcurrentFlushes: 2,
      flush: async (items) => {
        running++;
        mostRunning = Math.max(mostRunning, running);
        sizes.push(items.length);
        await tick();
        await tick();
        running--;
        return items;
      },
    });
    const items = Array.from({ length: 20 }, (_, i) => i);
    expect(await Promise.all(items.map((n) => batcher.submit(n)))).toEqual(items);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
    expect(mostRunning).toBe(2);
  });

  it('fails every item of a failed batch and keeps serving later ones', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>({
      maxBatchSize: 10,
      maxConcurrentFlushes: 1,
      flush: (items) => (fail ? Promise.reject(new Error('database away')) : Promise.resolve(items)),
    });
    const failed = await Promise.allSettled([1, 2].map((n) => batcher.submit(n)));
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.submit(3)).toBe(3);
  });
});
