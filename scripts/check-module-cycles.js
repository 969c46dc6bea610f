#!/usr/bin/env node
'use strict';
/**
 * Part of `npm run lint`: fails, listing each cycle, when the folders under src/ import each
 * other in a cycle (src/a imports src/b and src/b, directly or through others, imports src/a).
 * A module's folder is its boundary (STYLE.md), so a cycle between folders is a design error
 * even where Node would happen to load it. Type-only imports count too: they tie the folders
 * together just the same. The files directly in src/ (entry points and their composition) are
 * one more node, TOP: they import the folders, so a folder importing them closes a cycle.
 * Reads imports with the TypeScript compiler's own pre-processor.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

/** Every .ts file below `dir`, recursively. */
function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The node standing for the files directly in src/. */
const TOP = '(src/ top level)';

/** The src/ folder a path lies in (TOP for a file directly in src/), or undefined outside src/. */
function folderOf(srcDir, file) {
  const parts = path.relative(srcDir, file).split(path.sep);
  if (parts[0] === '..') return undefined;
  return parts.length > 1 ? parts[0] : TOP;
}

/** Folder → the set of other folders its files import (relative imports only). */
function folderGraph(srcDir) {
  const graph = new Map();
  for (const file of sourceFiles(srcDir)) {
    const from = folderOf(srcDir, file);
    if (!from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const to = folderOf(srcDir, path.resolve(path.dirname(file), fileName));
      if (to && to !== from) graph.get(from).add(to);
    }
  }
  return graph;
}

/** The strongly connected components with more than one folder (Tarjan), each sorted. */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const state = new Map();
  const found = [];
  const visit = (node) => {
    state.set(node, { index, low: index, onStack: true });
    index++;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!state.has(next)) {
        visit(next);
        state.get(node).low = Math.min(state.get(node).low, state.get(next).low);
      } else if (state.get(next).onStack) {
        state.get(node).low = Math.min(state.get(node).low, state.get(next).index);
      }
    }
    if (state.get(node).low === state.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        state.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

/** The imports inside one cycle, for the message: "a → b" for each edge between its members. */
function edgesWithin(graph, members) {
  return members.flatMap((from) => [...graph.get(from)].filter((to) => members.includes(to)).map((to) => `${from} → ${to}`));
}

module.exports = { folderGraph, cycles };

if (require.main === module) {
  const srcDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'src'));
  const graph = folderGraph(srcDir);
  const found = cycles(graph);
  if (found.length === 0) {
    process.stdout.write(`module cycles: none between the ${graph.size} folders of ${path.relative(process.cwd(), srcDir) || '.'}\n`);
  } else {
    process.stderr.write(`module cycles: ${found.length} cycle(s) between folders of src/:\n`);
    for (const members of found) process.stderr.write(`  ${members.join(' ↔ ')}: ${edgesWithin(graph, members).join(', ')}\n`);
    process.exit(1);
  }
}
