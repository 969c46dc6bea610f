#!/usr/bin/env node
// `npm test`: install what is missing, build (end-to-end tests start real API processes
// from dist/), then run every test against embedded PostgreSQL and Redis.
'use strict';
const { execSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { ensureDependencies, build, root } = require('./ensure-deps');

const CHROMIUM = '/usr/bin/chromium';

// The dashboard test drives Debian's chromium package (plus a CJK font, so the Chinese
// labels in its screenshot render); install them when missing and we may.
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const command = 'apt-get update && apt-get install -y chromium fonts-wqy-zenhei';
  if (process.platform !== 'linux' || typeof process.getuid !== 'function' || process.getuid() !== 0) {
    process.stdout.write(`NOTE: ${CHROMIUM} is missing and this is not root, so the dashboard browser test will fail. Install it with: sudo sh -c '${command}'\n`);
    return;
  }
  process.stdout.write(`Installing chromium for the dashboard browser test (${command})...\n`);
  try {
    execSync(command, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    process.stdout.write(`NOTE: installing chromium failed; the dashboard browser test will fail until ${CHROMIUM} exists.\n`);
  }
}

ensureDependencies();
ensureChromium();
build();
const result = spawnSync(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(result.status ?? 1);
