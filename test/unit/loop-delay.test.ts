import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { registerLoopDelay } from '../../src/observability/loop-delay.js';

const quantile = async (registry: Registry, q: string): Promise<number> => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'pairec_eventloop_delay_seconds');
  const value = metric?.values.find((v) => v.labels.quantile === q)?.value;
  assert.equal(typeof value, 'number', `quantile ${q} is exported`);
  return value as number;
};

describe('opt-in event-loop delay gauge (pairec serve --loop-delay)', () => {
  it('reports a stall since the previous scrape, then starts over', async () => {
    const registry = new Registry();
    const stop = registerLoopDelay(registry);
    await registry.metrics(); // the first scrape resets the window
    await new Promise((r) => setTimeout(r, 20));
    const until = Date.now() + 80;
    while (Date.now() < until); // an 80 ms stall of the event loop
    await new Promise((r) => setTimeout(r, 20));
    const max = await quantile(registry, '1');
    assert.ok(max >= 0.075, `the 80 ms stall is seen (max ${max} s)`);
    await new Promise((r) => setTimeout(r, 50));
    const after = await quantile(registry, '1');
    // The next window lasts ≈ 50 ms, so no interval in it can reach 75 ms: it was reset.
    assert.ok(after < 0.075, `the next window does not carry it (max ${after} s)`);
    assert.ok((await quantile(registry, '0.5')) < 0.075);
    stop();
    assert.equal((await registry.getMetricsAsJSON()).length, 0, 'stop removes the gauge');
  });
});
