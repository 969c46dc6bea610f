export const TEMPLATE_DATABASE = 'juhui_template';

export interface TestServers {
  dir: string;
  /** URL of the migrated template database. */
  templateUrl: string;
  redisUrl: string;
}

// Jest workers are forked after the global set-up and inherit its environment.
export function writeServers(servers: TestServers): void {
  process.env.JUHUI_TEST_SERVERS = JSON.stringify(servers);
}

export function readServers(): TestServers {
  const raw = process.env.JUHUI_TEST_SERVERS;
  if (!raw) throw new Error('Test servers are not running: run the tests through jest (npm test), which starts them.');
  return JSON.parse(raw) as TestServers;
}
