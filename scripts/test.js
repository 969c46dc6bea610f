#!/usr/bin/env node
// `npm test`: install what is missing, build (end-to-end tests start real API processes
// from dist/), then run every test against embedded PostgreSQL and Redis.
'use strict';
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { ensureDependencies, build, root } = require('./ensure-deps');

ensureDependencies();
build();
const result = spawnSync(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(result.status ?? 1);
