/**
 * A process that loads an IVF index from a cache folder (argv: cache dir, rows, dim),
 * scans every list once so all its rows are resident, prints `ready`, and stays until
 * its stdin closes: the parent reads its memory from /proc meanwhile.
 */
import { pino } from 'pino';
import { loadOrBuildIndex } from '../../src/vector/vector-index.js';
import { listVectors } from './ivf-lists-data.js';

const [dir, rowsArg, dimArg] = process.argv.slice(2);
const rows = Number(rowsArg);
const dim = Number(dimArg);
const vectors = listVectors(rows, dim);
const index = await loadOrBuildIndex(
  { kind: 'ivf', space: 'ip', M: 8, EfConstruction: 40, Nlist: 64, Seed: 3 },
  vectors,
  dim,
  { dir: dir ?? '', key: 'shared' },
  pino({ level: 'silent' }),
  new AbortController().signal,
);
index.search(vectors.subarray(0, dim), 10, 64);
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
