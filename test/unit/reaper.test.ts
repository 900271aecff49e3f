import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const FIXTURE = fileURLToPath(new URL('../helpers/reaper-fixture.js', import.meta.url));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts the fixture "test file"; resolves with it and the pid of the server it started. */
async function startFixture(mode: string): Promise<{ file: ReturnType<typeof spawn>; child: number }> {
  const file = spawn(process.execPath, [FIXTURE, mode], { stdio: ['ignore', 'pipe', 'ignore'] });
  const [chunk] = (await once(file.stdout, 'data')) as [Buffer];
  return { file, child: Number(chunk.toString().trim()) };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
  return !alive(pid);
}

describe('processes a test file started are stopped when it ends', () => {
  it('killed by the runner (SIGTERM, as on a file timeout)', async () => {
    const { file, child } = await startFixture('wait');
    assert.ok(alive(child));
    file.kill('SIGTERM');
    await once(file, 'exit');
    assert.ok(await gone(child), `process ${child} outlived its test file`);
  });

  it('ended by an uncaught error', async () => {
    const { file, child } = await startFixture('throw');
    await once(file, 'exit');
    assert.ok(await gone(child), `process ${child} outlived its test file`);
  });
});
