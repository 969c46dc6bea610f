import { join } from 'node:path';
import { CONFIG_DIR } from '../../src/config/config-files';

/** The one PostgreSQL settings file (also docker compose's): see its header. */
export const POSTGRES_CONF = join(CONFIG_DIR, 'postgres.conf');
/** The one Redis settings file (also docker compose's): see its header. */
export const REDIS_CONF = join(CONFIG_DIR, 'redis.conf');
