import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modelFeatureDims } from '../../src/features/vector-checks.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import type { Config } from '../../src/config/schema.js';

describe('modelFeatureDims', () => {
  it('reads the vectors of a model fed input by input (OnnxConf.Inputs) as well as of a Features spec', () => {
    const config = {
      AlgoConfs: [
        {
          Name: 'split',
          Type: 'ONNX',
          OnnxConf: {
            ModelPath: 'm.onnx',
            Inputs: {
              user: { User: [{ Name: 'uvec', Dim: 32, Default: 0 }] },
              item: {
                Item: [
                  { Name: 'ivec', Dim: 32, Default: 0 },
                  { Name: 'price', Dim: 1, Default: 0 },
                ],
              },
            },
          },
        },
        { Name: 'joined', Type: 'ONNX', OnnxConf: { ModelPath: 'm.onnx', Features: { User: [{ Name: 'uvec', Dim: 16, Default: 0 }], Item: [] } } },
        { Name: 'lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } },
      ],
    } as unknown as Config;
    const dimsOf = modelFeatureDims(config, createDefaultRegistry());
    assert.deepEqual([...(dimsOf('split')?.user ?? [])], [['uvec', 32]]);
    assert.deepEqual(
      [...(dimsOf('split')?.item ?? [])],
      [
        ['ivec', 32],
        ['price', 1],
      ],
    );
    assert.deepEqual([...(dimsOf('joined')?.user ?? [])], [['uvec', 16]]);
    assert.equal(dimsOf('lookup'), undefined);
  });
});
