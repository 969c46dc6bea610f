import { ApiClient } from './http';

/**
 * The value of each series at /metrics, named as Prometheus prints it, e.g.
 * `juhui_claims_total{outcome="created"}`; 0 for a series nothing has counted yet.
 */
export async function scrapeMetrics<S extends string>(api: ApiClient, series: readonly S[]): Promise<Record<S, number>> {
  const scraped = await api.get<string>('/metrics');
  if (scraped.status !== 200) throw new Error(`GET /metrics answered ${scraped.status}: ${scraped.text}`);
  const values = new Map(
    scraped.text
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))] as const),
  );
  return Object.fromEntries(series.map((name) => [name, values.get(name) ?? 0])) as Record<S, number>;
}

/**
 * Starts measuring the series; the function returned scrapes again and tells how much each
 * has grown since. Counters live as long as the app, so a test measures what it did itself,
 * whatever ran before it.
 */
export async function measureGrowth<S extends string>(api: ApiClient, series: readonly S[]): Promise<() => Promise<Record<S, number>>> {
  const before = await scrapeMetrics(api, series);
  return async () => {
    const now = await scrapeMetrics(api, series);
    return Object.fromEntries(series.map((name) => [name, now[name] - before[name]])) as Record<S, number>;
  };
}
