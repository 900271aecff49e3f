import { after } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faissType } from '../../src/algorithm/faiss/index.js';
import { createRng } from '../../src/catalog/random.js';
import { buildDeps } from '../helpers/context.js';
import { startVectorServerProcess } from '../helpers/process.js';
import { nearestReference } from './reference.js';
import { algorithmConformance } from './suite.js';

// A real vector server in its own process: the FAISS type is only ever a network client.
const rng = createRng(21);
const vectors = Array.from({ length: 400 }, () => Float32Array.from({ length: 8 }, () => Number((rng.next() * 2 - 1).toFixed(4))));
const ids = vectors.map((_, r) => `v${r}`);
const rows = vectors.map((v, r) => `${ids[r]} ${Array.from(v, (x, d) => `${d + 1}:${x.toFixed(4)}`).join(' ')}`);
const file = join(mkdtempSync(join(tmpdir(), 'pairec-faiss-conf-')), 'v.svm');
writeFileSync(file, rows.join('\n'));
const server = await startVectorServerProcess(['--data', file, '--index', 'hnsw', '--port', '0', '--metrics-port', 'none']);
after(() => server.proc.stop('SIGKILL'));

const q = (seed: number): Float32Array => {
  const r = createRng(seed);
  return Float32Array.from({ length: 8 }, () => r.next() * 2 - 1);
};

algorithmConformance({
  def: faissType,
  conf: { ServerAddress: `127.0.0.1:${server.port}`, Timeout: 2000, PoolSize: 2 },
  deps: () => buildDeps(),
  inputs: [
    { vectors: [q(1)], k: 10 },
    { vectors: [q(2), q(3), q(4), q(5)], k: 50 },
  ],
  emptyInput: { vectors: [], k: 10 },
  expected: nearestReference({ ids, vectors }, { metric: 'ip', minRecall: 0.9 }),
});
