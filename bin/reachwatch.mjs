#!/usr/bin/env node
// The CLI runs TypeScript directly (Node 24 type stripping). If an older system Node started this
// script, re-run it with the Node 24 that the project installs from npm (package "node").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
const entry = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
if (major >= 24) {
  const { runCli } = await import(entry);
  const code = await runCli(process.argv.slice(2));
  if (code >= 0) process.exitCode = code;
} else {
  const local = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error(`reachwatch needs Node 24 or newer (this is ${process.version}); run "npm install" in the project first.`);
    process.exit(1);
  }
  const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
