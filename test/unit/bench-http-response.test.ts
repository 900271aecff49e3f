import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ResponseReader } from '../../bench/e2e/http-response.js';

const response = fc.record({
  status: fc.integer({ min: 100, max: 599 }),
  body: fc.string({ maxLength: 300 }),
  header: fc.constantFrom('content-length', 'Content-Length', 'CONTENT-LENGTH'),
  extra: fc.array(
    fc.tuple(
      fc.constantFrom('x-a', 'date', 'keep-alive'),
      fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)),
    ),
    { maxLength: 3 },
  ),
});

function encode(r: { status: number; body: string; header: string; extra: [string, string][] }): Buffer {
  const body = Buffer.from(r.body);
  const extra = r.extra.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${r.status} X\r\n${extra}${r.header}: ${body.length}\r\n\r\n`), body]);
}

describe('open-loop response reader', () => {
  it('property: a stream of responses cut anywhere yields each status once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(response, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
        (rs, cuts) => {
          const bytes = Buffer.concat(rs.map(encode));
          const reader = new ResponseReader();
          const got: number[] = [];
          let at = 0;
          for (let i = 0; at < bytes.length; i++) {
            const n = cuts[i % cuts.length] as number;
            got.push(...reader.push(bytes.subarray(at, at + n)));
            at += n;
          }
          assert.deepEqual(
            got,
            rs.map((r) => r.status),
          );
          assert.equal(reader.broken, false);
        },
      ),
    );
  });

  it('reports a response without Content-Length, or not HTTP, as status 0 and stops', () => {
    const chunked = new ResponseReader();
    assert.deepEqual(chunked.push(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')), [0]);
    assert.equal(chunked.broken, true);
    assert.deepEqual(chunked.push(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n')), []);
    const junk = new ResponseReader();
    assert.deepEqual(junk.push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n')), [0]);
  });
});
