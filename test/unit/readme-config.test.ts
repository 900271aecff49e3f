import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/**
 * The README prints the shipped default in full; its curl examples name what the default
 * serves (`hot_scene`, the exposure filter, back-fill). An edited default with a stale copy
 * in the README is the drift this catches.
 */
describe('README.md', () => {
  it('prints examples/default.json exactly, under Configuration', () => {
    const readme = readFileSync(root('README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const block = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    assert.ok(block, 'no json block under ## Configuration');
    assert.deepEqual(JSON.parse(block), JSON.parse(readFileSync(root('examples/default.json'), 'utf8')));
  });

  it('names only scenes the default config has in its curl examples', () => {
    const readme = readFileSync(root('README.md'), 'utf8');
    const scenes = Object.keys((JSON.parse(readFileSync(root('examples/default.json'), 'utf8')) as { SceneConfs: object }).SceneConfs);
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Command line'));
    for (const [, scene] of quick.matchAll(/"scene_id":"([^"]+)"/g))
      assert.ok(scene && scenes.includes(scene), `scene ${scene ?? ''} not in examples/default.json`);
  });
});
