import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadRecord } from '../../src/companions/read-record.js';
import { fileIdentity, fileIdentityAsync } from '../../src/catalog/file-identity.js';
import { startChangePoll } from '../../src/companions/change-poll.js';
import { silentLogger } from '../helpers/context.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-change-poll-'));

/** A server's data file, a load that records it as read, and a poll whose timer never fires (checks are driven by hand). */
async function started(name: string) {
  const file = join(dir, name);
  writeFileSync(file, 'first');
  const record = new ReadRecord();
  const loads: string[] = [];
  const load = async (trigger: string): Promise<void> => {
    record.begin();
    await record.mark(file);
    loads.push(trigger);
  };
  await load('start');
  const poll = startChangePoll({ intervalMs: 3_600_000, record, reload: load, logger: silentLogger });
  return { file, record, loads, poll };
}

function replaceByRename(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, content);
  renameSync(`${file}.tmp`, file);
}

describe('change poll', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reloads a file replaced by rename once the next poll sees it unchanged, and only once', async () => {
    const { file, loads, poll } = await started('renamed.svm');
    try {
      assert.equal(await poll.check(), false, 'nothing changed');
      replaceByRename(file, 'second, longer');
      assert.equal(await poll.check(), false, 'first sight: wait one poll');
      assert.equal(await poll.check(), true, 'stable across two polls: reload');
      assert.equal(await poll.check(), false);
      assert.equal(await poll.check(), false);
      assert.deepEqual(loads, ['start', 'change']);
    } finally {
      poll.stop();
    }
  });

  it('does not reload a file while it keeps changing between polls', async () => {
    const { file, loads, poll } = await started('growing.svm');
    try {
      for (let i = 0; i < 5; i++) {
        appendFileSync(file, `row ${i}\n`); // written in place, a poll apart
        assert.equal(await poll.check(), false, `still being written (poll ${i})`);
      }
      assert.equal(await poll.check(), true, 'stable now');
      assert.deepEqual(loads, ['start', 'change']);
    } finally {
      poll.stop();
    }
  });

  it('sees a replacement of the same size and modification time (a new inode)', async () => {
    const { file, loads, poll } = await started('same-size.svm');
    try {
      const { atime, mtime } = statSync(file);
      replaceByRename(file, 'FIRST');
      utimesSync(file, atime, mtime);
      assert.equal(statSync(file).size, 5);
      await poll.check();
      assert.equal(await poll.check(), true);
      assert.deepEqual(loads, ['start', 'change']);
    } finally {
      poll.stop();
    }
  });

  it('a reload from elsewhere (SIGHUP) that read the new file leaves nothing for the poll', async () => {
    const { file, loads, record, poll } = await started('sighup.svm');
    try {
      replaceByRename(file, 'second');
      assert.equal(await poll.check(), false);
      // The SIGHUP reload records what it read.
      record.begin();
      await record.mark(file);
      assert.equal(await poll.check(), false);
      assert.equal(await poll.check(), false);
      assert.deepEqual(loads, ['start']);
    } finally {
      poll.stop();
    }
  });

  it('a file that fails to load is tried once, and again only when it changes; a missing file counts as a change', async () => {
    const { file, loads, poll } = await started('broken.svm');
    try {
      replaceByRename(file, 'garbage');
      await poll.check();
      assert.equal(await poll.check(), true, 'the broken file is tried');
      for (let i = 0; i < 3; i++) assert.equal(await poll.check(), false, 'and not again while it stays the same');
      unlinkSync(file);
      await poll.check();
      assert.equal(await poll.check(), true, 'gone: tried (and its failure logged) once');
      assert.equal(await poll.check(), false);
      replaceByRename(file, 'fixed');
      await poll.check();
      assert.equal(await poll.check(), true);
      assert.deepEqual(loads, ['start', 'change', 'change', 'change']);
    } finally {
      poll.stop();
    }
  });

  it('the asynchronous identity is fileIdentity’s, for a file and for a missing one', async () => {
    const file = join(dir, 'identity.svm');
    writeFileSync(file, 'x');
    assert.equal(await fileIdentityAsync(file), fileIdentity(file));
    assert.equal(await fileIdentityAsync(join(dir, 'nope')), fileIdentity(join(dir, 'nope')));
  });

  it('polls on its timer and stops', async () => {
    const file = join(dir, 'timer.svm');
    writeFileSync(file, 'a');
    const record = new ReadRecord();
    await record.mark(file);
    let reloads = 0;
    const poll = startChangePoll({
      intervalMs: 20,
      record,
      reload: async () => {
        reloads++;
        record.begin();
        await record.mark(file);
      },
      logger: silentLogger,
    });
    try {
      replaceByRename(file, 'bb');
      const deadline = Date.now() + 10_000;
      while (reloads === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(reloads, 1);
      poll.stop();
      replaceByRename(file, 'ccc');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(reloads, 1, 'no poll after stop');
    } finally {
      poll.stop();
    }
  });
});
