/**
 * A stand-in test file for test/unit/reaper.test.ts: starts a long-lived child through
 * reap(), prints its pid, then waits to be killed (or fails on its own with `throw`).
 */
import { spawn } from 'node:child_process';
import { reap } from './reaper.js';

const child = reap(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
process.stdout.write(`${String(child.pid)}\n`);
if (process.argv[2] === 'throw')
  setTimeout(() => {
    throw new Error('a failing test file');
  }, 200);
else setInterval(() => undefined, 1000);
