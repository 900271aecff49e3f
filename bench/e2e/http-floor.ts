/**
 * The HTTP floor: fastify on the same port layout as the engine (one process per
 * worker), parsing the same request body and answering a canned RW-100k-sized reply —
 * what a request costs before any recommendation work.
 *
 *   node dist/bench/e2e/http-floor.js PORT WORKERS
 */
import cluster from 'node:cluster';
import { fastify } from 'fastify';

const port = Number(process.argv[2] ?? 0);
const workers = Number(process.argv[3] ?? 1);
if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const items = Array.from({ length: 20 }, (_, i) => ({ item_id: String(10000 + i * 37), retrieve_id: 'vector_recall', score: 0.5 + i / 1000 }));
  const app = fastify({ logger: false });
  app.get('/health', () => ({ status: 'ok' }));
  app.post('/api/recommend', (req) => {
    const body = req.body as { uid?: string };
    return { code: 200, msg: 'success', request_id: `r-${body.uid ?? ''}`, size: items.length, experiment_id: '', items };
  });
  await app.listen({ port, host: '127.0.0.1' });
  process.send?.('listening');
  if (!cluster.isWorker) process.stdout.write('listening\n');
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
