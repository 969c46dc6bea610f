#!/usr/bin/env node
// `npm start`: install what is missing, build, then run the API with the worker in the same
// process; migrations and the demo seed run at start-up (src/main.ts).
'use strict';
const { join } = require('node:path');
const { ensureDependencies, build, root } = require('./ensure-deps');

ensureDependencies();
build();
process.env.SEED_DEMO = process.env.SEED_DEMO ?? 'true';
process.env.RUN_WORKER = process.env.RUN_WORKER ?? 'true';
require(join(root, 'dist', 'src', 'main.js'));
