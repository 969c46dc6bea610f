#!/usr/bin/env node
// `npm start`: install what is missing, build, then run the API with the worker in the same
// process on embedded PostgreSQL and Redis (the launcher, scripts/dev/launch.ts, starts them under
// DATA_DIR unless DATABASE_URL/REDIS_URL are set, and stops them when the API exits); migrations
// and the demo seed run at start-up (src/main.ts).
'use strict';
const { join } = require('node:path');
const { ensureDependencies, build, root } = require('./ensure-deps');

ensureDependencies();
build();
process.env.SEED_DEMO = process.env.SEED_DEMO ?? 'true';
process.env.RUN_WORKER = process.env.RUN_WORKER ?? 'true';
// The demo keeps money and publication to two people, as production does, so its staff of each
// role can try the four-eyes rule at once (FOUR_EYES=false turns it off).
process.env.FOUR_EYES = process.env.FOUR_EYES ?? 'true';
const { runWithDevServers } = require(join(root, 'dist', 'scripts', 'dev', 'launch.js'));
runWithDevServers(join(root, 'dist', 'src', 'main.js')).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
