import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

/** Where compiled or source entities and migrations live, whether we run from src/ (ts) or dist/ (js). */
const root = join(__dirname, '..');
const ext = __filename.endsWith('.ts') ? 'ts' : 'js';

export const ENTITY_GLOB = join(root, `**/*.entity.${ext}`);
export const MIGRATION_GLOB = join(root, `database/migrations/*.${ext}`);

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [ENTITY_GLOB],
    migrations: [MIGRATION_GLOB],
    migrationsTableName: 'schema_migrations',
    // Guarantee 8: the schema changes only through migrations.
    synchronize: false,
    migrationsRun: false,
    poolSize,
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 3000,
      // Fail a statement that waits on a lock far longer than any request should.
      statement_timeout: 30000,
      application_name: 'juhui',
    },
  };
}
