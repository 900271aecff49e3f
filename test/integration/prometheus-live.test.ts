import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lightMetricsConfig } from '../helpers/metrics-config.js';
import { freePort } from '../helpers/ports.js';
import { PrometheusServer } from '../helpers/prometheus.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import type { PromRule, PromSample } from '../helpers/prometheus.js';
import { ServerProcess } from '../helpers/server-process.js';

const ALERTS = fileURLToPath(new URL('../../../deploy/prometheus/alerts.yml', import.meta.url));
const DASHBOARD = fileURLToPath(new URL('../../../deploy/grafana/dashboard.json', import.meta.url));

/** The performance guide's "Real-time Performance Dashboard" queries, verbatim. */
const GUIDE_QUERIES = [
  'rate(pairec_algorithm_duration_seconds_sum[5m]) / rate(pairec_algorithm_duration_seconds_count[5m])',
  'histogram_quantile(0.95, rate(pairec_algorithm_duration_seconds_bucket[5m]))',
  'rate(pairec_algorithm_requests_total[5m])',
  'rate(pairec_algorithm_requests_total{status="error"}[5m]) / rate(pairec_algorithm_requests_total[5m])',
];

function dashboardQueries(): string[] {
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/** An alert rule's query without its threshold: what the alert compares. */
function innerQuery(rule: PromRule): string {
  const m = /^([\s\S]*?)\s*[<>]=?\s*[0-9.]+\s*$/.exec(rule.query);
  assert.ok(m?.[1], `rule ${rule.name}: no "<expr> > threshold" in ${rule.query}`);
  return m[1];
}

const byAlgorithm = (samples: readonly PromSample[]): Map<string, number> =>
  new Map(samples.map((s) => [`${s.metric.algorithm_name ?? ''}/${s.metric.status ?? ''}`, Number(s.value[1])]));

const skip = await skipUnlessInstalled('prometheus');

describe('live Prometheus scraping a pairec server', { skip, timeout: 60_000 }, () => {
  let dir: string;
  let server: ServerProcess;
  let prom: PrometheusServer;
  let loading = true;
  let load: Promise<void> = Promise.resolve();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pairec-prom-live-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(lightMetricsConfig(await freePort(), join(dir, 'cache'))));
    server = await ServerProcess.start(file);
    await server.waitReady();
    prom = await PrometheusServer.start([`127.0.0.1:${server.port}`], [ALERTS]);
    // Light load for the whole test: the LOOKUP scene and the scene whose EAS backend is down.
    const worker = async (scene: string): Promise<void> => {
      for (let i = 0; loading; i++) {
        const res = await server.post('/api/recommend', JSON.stringify({ uid: String(i % 50), size: 5, scene_id: scene }));
        assert.equal(res.status, 200, await res.text());
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    load = Promise.all([worker('home'), worker('broken')]).then(() => undefined);
  });

  after(async () => {
    loading = false;
    await load.catch(() => undefined);
    await prom?.stop();
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("the dashboard carries the guide's four queries", () => {
    const exprs = dashboardQueries();
    for (const q of GUIDE_QUERIES) assert.ok(exprs.includes(q), `dashboard lacks ${q}`);
  });

  it('loads the shipped alert rules, evaluates them healthily, and every dashboard and alert query returns data', async () => {
    const queries = new Set([...GUIDE_QUERIES, ...dashboardQueries()]);
    let rules: PromRule[] = [];
    let results = new Map<string, PromSample[]>();
    const until = Date.now() + 40_000;
    for (;;) {
      const groups = await prom.ruleGroups();
      rules = groups.flatMap((g) => g.rules);
      const inner = rules.map(innerQuery);
      results = new Map(await Promise.all([...queries, ...inner].map(async (q) => [q, await prom.query(q)] as const)));
      const ready = rules.length > 0 && rules.every((r) => r.health === 'ok') && [...results.values()].every((r) => r.length > 0);
      if (ready || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    assert.deepEqual(rules.map((r) => r.name).sort(), ['HighErrorRate', 'HighLatency', 'LowThroughput']);
    for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
    for (const [q, samples] of results) assert.ok(samples.length > 0, `empty result for ${q}\n${prom.log}`);

    // The values say what happened: both algorithms ran, every broken_eas run failed, no LOOKUP run did.
    const rate = byAlgorithm(results.get('rate(pairec_algorithm_requests_total[5m])') ?? []);
    assert.ok((rate.get('popularity_lookup/success') ?? 0) > 0, JSON.stringify([...rate]));
    assert.ok((rate.get('broken_eas/error') ?? 0) > 0, JSON.stringify([...rate]));
    const errorRule = rules.find((r) => r.name === 'HighErrorRate');
    assert.ok(errorRule);
    const ratio = byAlgorithm(results.get(innerQuery(errorRule)) ?? []);
    assert.equal(ratio.get('broken_eas/'), 1);
    assert.equal(ratio.get('popularity_lookup/'), 0);
  });

  it('the error-rate alert goes pending for the failing algorithm only', async () => {
    const until = Date.now() + 15_000;
    let alerts: { labels: Record<string, string>; state: string }[] = [];
    while (Date.now() < until) {
      const rule = (await prom.ruleGroups()).flatMap((g) => g.rules).find((r) => r.name === 'HighErrorRate');
      alerts = [...(rule?.alerts ?? [])];
      if (alerts.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(
      alerts.map((a) => [a.labels.algorithm_name, a.state]),
      [['broken_eas', 'pending']],
    );
  });
});
