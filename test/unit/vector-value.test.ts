import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFloat32LE, encodeFloat32LE, parseVectorText, vectorFromNumbers } from '../../src/features/vector-value.js';
import type { VectorResult } from '../../src/features/vector-value.js';

/** Finite float32 vectors (no -0: "0" and "-0" both read back as 0). */
const vectors = fc
  .float32Array({ minLength: 1, maxLength: 64, noNaN: true, noDefaultInfinity: true })
  .map((a) => Float32Array.from(a, (v) => (Object.is(v, -0) ? 0 : v)));

function values(r: VectorResult): number[] {
  assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.detail}`);
  return Array.from(r.value);
}

function reason(r: VectorResult): string {
  assert.ok(!r.ok, 'expected a refusal');
  return r.reason;
}

describe('vector parsers (features/vector-value.ts)', () => {
  it('property: comma, space, comma-space and bracketed text read back exactly the float32 values written', () => {
    fc.assert(
      fc.property(vectors, fc.constantFrom(',', ' ', ', ', '\t', ' , '), fc.boolean(), (v, sep, brackets) => {
        const body = Array.from(v, String).join(sep);
        assert.deepEqual(values(parseVectorText(brackets ? `[${body}]` : ` ${body} `, v.length)), Array.from(v));
      }),
    );
  });

  it('property: packed little-endian float32 round-trips at any byte offset (unaligned buffers too)', () => {
    fc.assert(
      fc.property(vectors, fc.integer({ min: 0, max: 7 }), (v, offset) => {
        const packed = encodeFloat32LE(v);
        // Written by hand too, so the encoder is not only checked against itself.
        for (let i = 0; i < v.length; i++) assert.equal(packed.readFloatLE(i * 4), v[i]);
        const host = Buffer.alloc(offset + packed.length);
        packed.copy(host, offset);
        assert.deepEqual(values(decodeFloat32LE(host.subarray(offset), v.length)), Array.from(v));
      }),
    );
  });

  it('property: a count other than Dim is refused as wrong_length (text, binary and arrays)', () => {
    fc.assert(
      fc.property(vectors, fc.integer({ min: 1, max: 70 }), (v, dim) => {
        fc.pre(dim !== v.length);
        assert.equal(reason(parseVectorText(Array.from(v, String).join(','), dim)), 'wrong_length');
        assert.equal(reason(decodeFloat32LE(encodeFloat32LE(v), dim)), 'wrong_length');
        assert.equal(reason(vectorFromNumbers(Array.from(v), dim)), 'wrong_length');
      }),
    );
    assert.equal(reason(decodeFloat32LE(Buffer.alloc(7), 2)), 'wrong_length', 'not a whole number of float32');
    assert.equal(reason(parseVectorText('', 1)), 'wrong_length');
    assert.equal(reason(parseVectorText('[]', 1)), 'wrong_length');
  });

  it('property: NaN, Infinity, hex, empty tokens and garbage anywhere in the text are refused, never read as 0', () => {
    const bad = fc.constantFrom('NaN', 'nan', 'Infinity', '-Infinity', '0x10', '', '1.2.3', 'abc', '1e', '--1', 'null', '1,5');
    fc.assert(
      fc.property(vectors, bad, fc.nat(), (v, tok, at) => {
        const parts = Array.from(v, String);
        parts[at % parts.length] = tok;
        const r = parseVectorText(parts.join(','), v.length);
        assert.ok(!r.ok, `accepted ${JSON.stringify(parts.join(','))}`);
      }),
    );
    assert.equal(reason(parseVectorText('1,2,1e39', 3)), 'non_finite', 'finite as a double, Infinity as float32');
    assert.equal(reason(parseVectorText('1 2,3', 2)), 'malformed', 'mixed separators');
  });

  it('property: a packed NaN or Infinity anywhere is refused as non_finite', () => {
    fc.assert(
      fc.property(vectors, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), fc.nat(), (v, x, at) => {
        const w = Float32Array.from(v);
        w[at % w.length] = x;
        assert.equal(reason(decodeFloat32LE(encodeFloat32LE(w), w.length)), 'non_finite');
      }),
    );
  });

  it('arrays: null, strings or out-of-range numbers among the values are refused', () => {
    assert.equal(reason(vectorFromNumbers([1, null, 3], 3)), 'malformed');
    assert.equal(reason(vectorFromNumbers([1, '2', 3], 3)), 'malformed');
    assert.equal(reason(vectorFromNumbers([1, 1e39], 2)), 'non_finite');
    assert.equal(reason(vectorFromNumbers([], undefined)), 'wrong_length');
    assert.deepEqual(values(vectorFromNumbers([0.5, -2, 3], undefined)), [0.5, -2, 3]);
  });
});
