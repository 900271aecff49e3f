import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { intOption } from '../../src/cli/int-option.js';

describe('intOption (command-line integers)', () => {
  it('property: an integer in range is returned as is; anything else is refused naming the option and its range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 100 }), fc.integer({ min: -50, max: 0 }), fc.integer({ min: 1, max: 50 }), (n, min, max) => {
        if (n >= min && n <= max) assert.equal(intOption('count', String(n), min, max), n);
        else
          assert.throws(() => intOption('count', String(n), min, max), new RegExp(`^PairecError: --count must be an integer in ${min}\\.\\.${max}, got ${n}$`));
      }),
    );
    for (const bad of ['', ' ', '0x10', 'x', '1.5', '1e3', 'NaN'])
      assert.throws(() => intOption('port', bad, 0, 65535), /--port must be an integer in 0\.\.65535/);
    assert.throws(() => intOption('nprobe', '0', 1), { code: 'ERR_USAGE', message: '--nprobe must be an integer >= 1, got 0' });
  });
});
