import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFvecs, parseSvmLine, readVectorFile } from '../../src/companions/vector-server/data.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-vector-data-'));

describe('vector-server data files cut off while being written', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('.svm: an entry cut after its colon is refused with its line, not read as 0', async () => {
    assert.deepEqual(parseSvmLine('b-1 1:0.5 2:0', 1), {
      label: 'b-1',
      entries: [
        [1, 0.5],
        [2, 0],
      ],
    });
    assert.throws(() => parseSvmLine('b-1 1:0.5 2:', 7), /line 7: "2:" is not index:value/);
    const file = join(dir, 'cut.svm');
    writeFileSync(file, 'b-0 1:0.1 2:0.2\nb-1 1:0.3 2:');
    await assert.rejects(readVectorFile(file), /line 2: "2:" is not index:value/);
  });

  it('.fvecs: a file cut inside a row is refused', async () => {
    const file = join(dir, 'cut.fvecs');
    const whole = encodeFvecs(
      Float32Array.from({ length: 40 }, (_, i) => i / 10),
      4,
    );
    writeFileSync(file, whole.subarray(0, whole.length - 6));
    await assert.rejects(readVectorFile(file), /not an \.fvecs file/);
  });
});
