import { readFileSync } from 'node:fs';
import type Redis from 'ioredis';

/**
 * Registers a Lua script kept in a `.lua` file beside the code that uses it as a custom
 * ioredis command (EVALSHA with a transparent EVAL fallback after a script flush).
 * The number of keys is read from the script's header line `-- KEYS: N`, or
 * `-- KEYS: variable` when callers pass the key count as the command's first argument.
 */
export function defineLuaCommand(redis: Redis, name: string, file: string): void {
  const lua = readFileSync(file, 'utf8');
  const header = /^--\s*KEYS:\s*(\d+|variable)/m.exec(lua);
  if (!header) throw new Error(`${file} must declare its key count in a "-- KEYS: N" or "-- KEYS: variable" line`);
  const numberOfKeys = header[1] === 'variable' ? undefined : Number(header[1]);
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
}
