#!/usr/bin/env node
import { runCli } from './dispatch.js';

runCli(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pairec: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
