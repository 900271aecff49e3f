/**
 * MILVUS against the Milvus test double (test/helpers/milvus-double.ts), a separate
 * process speaking the part of Milvus' gRPC protocol the official SDK uses: no Milvus
 * server can run on this machine.
 */
import { after } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { milvusType } from '../../src/algorithm/milvus/index.js';
import { buildDeps } from '../helpers/context.js';
import { MilvusDoubleProcess, writeFixture } from '../helpers/milvus-double-process.js';
import { nearestReference } from './reference.js';
import { algorithmConformance } from './suite.js';

const fixture = writeFixture(mkdtempSync(join(tmpdir(), 'pairec-milvus-conf-')), 300, 8, 5);
const double = await MilvusDoubleProcess.start(fixture.file);
after(() => double.stop());

const v = (i: number): Float32Array => fixture.vectors[i] ?? new Float32Array(fixture.dim);

algorithmConformance({
  def: milvusType,
  conf: { ServerAddress: double.address, CollectionName: 'items_ip', SearchParams: { ef: 64 } },
  deps: () => buildDeps(),
  inputs: [
    { vectors: [v(0)], k: 10 },
    { vectors: [v(1), v(2), v(3)], k: 100 },
  ],
  emptyInput: { vectors: [], k: 10 },
  expected: nearestReference({ ids: fixture.ids, vectors: fixture.vectors }, { metric: 'ip', minRecall: 0.9 }),
});
