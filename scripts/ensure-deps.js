#!/usr/bin/env node
// Installs dependencies when node_modules is missing or older than package-lock.json,
// so `npm start` and `npm test` work from a fresh clone. Plain Node: it runs before any install.
'use strict';
const { execSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');

function needsInstall() {
  if (!existsSync(installed)) return true;
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs;
}

function ensureDependencies() {
  if (!needsInstall()) return;
  const command = existsSync(lock) ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund';
  process.stdout.write(`Installing dependencies (${command})...\n`);
  execSync(command, { cwd: root, stdio: 'inherit' });
}

function build() {
  process.stdout.write('Building...\n');
  execSync('npx nest build', { cwd: root, stdio: 'inherit' });
}

module.exports = { ensureDependencies, build, root };

if (require.main === module) ensureDependencies();
