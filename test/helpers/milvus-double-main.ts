/**
 * Runs the Milvus test double (milvus-double.ts) as its own process, so the SDK talks to
 * it over a real socket as it would to Milvus:
 *
 *   node dist/test/helpers/milvus-double-main.js --port 0 --data collections.json
 *
 * prints `{"port": N}` once listening. Faults can be set at start with
 * MILVUS_DOUBLE_FAIL="Search:UNAVAILABLE:2[,Method:CODE:N…]", and at any time by writing
 * one JSON command per line to stdin; each gets one JSON line back on stdout:
 *
 *   {"id":1,"cmd":"fail","method":"Search","count":2,"code":"UNAVAILABLE"}
 *   {"id":2,"cmd":"fail","method":"Search","count":1,"inband":{"error_code":"RateLimit","code":8,"retriable":true}}
 *   {"id":3,"cmd":"delay","method":"Search","ms":300}
 *   {"id":4,"cmd":"stats"}   {"id":5,"cmd":"reset"}
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { MilvusDouble } from './milvus-double.js';
import type { Fault, FaultCode } from './milvus-double.js';

interface Command {
  readonly id?: number;
  readonly cmd: 'fail' | 'delay' | 'stats' | 'reset';
  readonly method?: string;
  readonly count?: number;
  readonly code?: string;
  readonly inband?: Fault['inband'];
  readonly ms?: number;
}

function faultCode(code: string | undefined): FaultCode | undefined {
  if (code === undefined) return undefined;
  if (!(code in grpc.status)) throw new Error(`unknown gRPC status ${code}`);
  return code as FaultCode;
}

function run(double: MilvusDouble, c: Command): Record<string, unknown> {
  switch (c.cmd) {
    case 'fail': {
      const code = faultCode(c.code);
      double.fail(c.method ?? 'Search', c.count ?? 1, { ...(code ? { code } : {}), ...(c.inband ? { inband: c.inband } : {}) });
      return {};
    }
    case 'delay':
      double.delay(c.method ?? 'Search', c.ms ?? 0);
      return {};
    case 'stats':
      return { stats: double.stats() };
    case 'reset':
      double.reset();
      return {};
    default:
      throw new Error(`unknown command ${String((c as { cmd: unknown }).cmd)}`);
  }
}

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, data: { type: 'string' } } });
if (!values.data) {
  process.stderr.write('usage: milvus-double-main --data FILE [--port N]\n');
  process.exit(2);
}
const double = new MilvusDouble(values.data);
for (const spec of (process.env.MILVUS_DOUBLE_FAIL ?? '').split(',').filter(Boolean)) {
  const [method = 'Search', code, count = '1'] = spec.split(':');
  double.fail(method, Number(count), { code: faultCode(code) ?? 'UNAVAILABLE' });
}
const port = await double.listen(Number(values.port));
process.stdout.write(`${JSON.stringify({ port })}\n`);

const stop = (): void => {
  void double.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const commands = createInterface({ input: process.stdin });
// The parent holds stdin open; when it goes away, so does the double (no orphans).
commands.on('close', stop);
commands.on('line', (line) => {
  if (line.trim() === '') return;
  let id: number | undefined;
  try {
    const c = JSON.parse(line) as Command;
    id = c.id;
    process.stdout.write(`${JSON.stringify({ id, ok: true, ...run(double, c) })}\n`);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ id, ok: false, error: String(err) })}\n`);
  }
});
