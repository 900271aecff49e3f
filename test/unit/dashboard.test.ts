import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

/** The performance guide's four dashboard queries, exactly as it writes them (whitespace folded). */
const GUIDE_QUERIES = [
  'rate(pairec_algorithm_duration_seconds_sum[5m]) / rate(pairec_algorithm_duration_seconds_count[5m])',
  'histogram_quantile(0.95, rate(pairec_algorithm_duration_seconds_bucket[5m]))',
  'rate(pairec_algorithm_requests_total[5m])',
  'rate(pairec_algorithm_requests_total{status="error"}[5m]) / rate(pairec_algorithm_requests_total[5m])',
];

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
}

describe('Grafana dashboard', () => {
  it('has the guide’s four queries and per-stage latency as panels', async () => {
    const dash = JSON.parse(await readFile(new URL('../../../deploy/grafana/dashboard.json', import.meta.url), 'utf8')) as Dashboard;
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr.replace(/\s+/g, ' ')));
    for (const q of GUIDE_QUERIES) assert.ok(exprs.includes(q), `panel for ${q}`);
    assert.ok(
      exprs.some((e) => e.includes('pairec_stage_duration_seconds_bucket') && e.includes('stage')),
      'per-stage latency',
    );
    assert.equal(new Set(dash.panels.map((p) => p.title)).size, dash.panels.length, 'distinct titles');
  });
});
