import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's top-level folder: the nearest one above this file holding package.json. The
 * same whether this runs compiled from dist/src/config or as TypeScript from src/config (Jest),
 * and in the Docker image (/app).
 */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

/** config/: the deployment configuration kept as files (server settings, rate-limit policies, .env.example). */
export const CONFIG_DIR = join(projectRoot(), 'config');
