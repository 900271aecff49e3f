import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.js';
import { smallConfig } from '../helpers/config.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { launchChromium } from '../helpers/chromium.js';
import type { ExplainReport } from '../../src/pipeline/explain/report.js';
import type { ConsoleOverview } from '../../src/server/console/overview.js';

/**
 * Screenshots land in the docs, which link them (docs/operations/console.md), only when asked
 * (`PAIREC_UPDATE_SCREENSHOTS=1`): a test run never rewrites the checkout it tests.
 */
const DOCS =
  process.env.PAIREC_UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../docs/operations/', import.meta.url))
    : mkdtempSync(join(tmpdir(), 'pairec-console-shots-'));
const TOKEN = 'console-browser-token-5f2a9c1e';
const UID = '3';

interface Answer {
  readonly request_id: string;
  readonly items: readonly { item_id: string; retrieve_id: string; score: number }[];
  readonly debug: { readonly stages: readonly { stage: string; in: number; out: number }[] };
  readonly explain: ExplainReport;
}

/** A rendered number (6 significant digits) is the API's value to that precision. */
function sameNumber(text: string, value: number | undefined, what: string): void {
  if (value === undefined) {
    assert.equal(text, '', what);
    return;
  }
  const shown = Number(text);
  assert.ok(Math.abs(shown - value) <= 1e-5 * Math.max(1, Math.abs(value)), `${what}: shown ${text}, API ${value}`);
}

const skip = await skipUnlessInstalled('chromium');

describe('the console in a real browser (pairec serve + headless Chromium)', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-console-'));
  const configPath = join(dir, 'config.json');
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const api = (path: string, body?: unknown): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  before(async () => {
    // smallConfig plus filters and a sort that drop and move items, and the console with a token.
    const config = smallConfig(join(dir, 'cache'));
    writeFileSync(
      configPath,
      JSON.stringify({
        ...config,
        FilterConfs: [{ Name: 'no_cat_1', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'category != "cat_1"' }],
        FilterNames: { default_scene: ['UniqueFilter', 'User2ItemExposureFilter', 'no_cat_1'] },
        SortConfs: [{ Name: 'diverse', SortType: 'DiversityRuleSort', DiversityRules: [{ Dimensions: ['category'], WindowSize: 2, FrequencySize: 1 }] }],
        SortNames: { default_scene: ['ItemRankScore', 'diverse'] },
        monitoring: { console: { enabled: true, token: TOKEN } },
      }),
    );
    server = await ServerProcess.start(configPath);
    const started = Promise.all([server.waitReady(), launchChromium()]);
    // Started together; whichever failed, the other is still cleaned up in after().
    const [, b] = await started.catch(async (err: unknown) => {
      await server.stop('SIGKILL');
      throw err;
    });
    browser = b;
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
  });
  after(async () => {
    await browser?.close().catch(() => undefined);
    if (server?.proc.exitCode === null) await server.stop('SIGKILL');
  });

  it('asks for the token, explains a request, and shows what the JSON API says, item by item', async () => {
    // Two items shown to the user: the exposure filter drops them, and the console says so.
    const plain = (await (await api('/api/recommend', { uid: UID, size: 10 })).json()) as Answer;
    const shown = plain.items.slice(0, 2).map((i) => i.item_id);
    assert.equal((await api('/api/callback', { uid: UID, item_list: shown.map((item_id) => ({ item_id })) })).status, 200);

    await page.goto(`${server.url}/console`);
    await page.locator('#token-form').waitFor({ state: 'visible' }); // the data answered 401
    await page.fill('#token', TOKEN);
    await page.click('#token-form button');
    await page.fill('#uid', UID);
    await page.fill('#scene', 'default_scene');
    await page.fill('#size', '10');
    await page.click('#explain-button');
    await page.locator('#explain-result').waitFor({ state: 'visible' });

    const answer = (await (
      await api('/api/recommend', { uid: UID, scene_id: 'default_scene', size: 10, features: {}, debug: true, explain: true })
    ).json()) as Answer;
    const ex = answer.explain;

    // Stages: the debug trace's names and counts (times differ run to run).
    const stages = await page.$$eval('#stages tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.deepEqual(
      stages.map((r) => [r[0], Number(r[1]), Number(r[2])]),
      answer.debug.stages.map((s) => [s.stage, s.in, s.out]),
    );
    const filters = await page.$$eval('#filters tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent ?? '')),
    );
    assert.deepEqual(
      filters,
      ex.filters.map((f) => [f.name, String(f.in), String(f.out)]),
    );

    // Items, row by row against the API's explain and its answer.
    const rows = await page.$$eval('#items tbody tr', (trs) =>
      trs.map((tr) => {
        const cell = (cls: string): string => tr.querySelector(`td.${cls}`)?.textContent ?? '';
        const models: Record<string, string> = {};
        for (const td of tr.querySelectorAll('td.model')) models[td.getAttribute('data-model') ?? ''] = td.textContent ?? '';
        return {
          id: tr.getAttribute('data-item-id'),
          pos: cell('pos'),
          sources: cell('sources'),
          models,
          rank: cell('rank-score'),
          final: cell('final-score'),
          moves: cell('moves'),
          outcome: cell('outcome'),
        };
      }),
    );
    assert.deepEqual(
      rows.map((r) => r.id),
      ex.items.map((i) => i.item_id),
      'the same items in the same order',
    );
    ex.items.forEach((item, k) => {
      const row = rows[k];
      assert.ok(row);
      const what = `item ${item.item_id}`;
      assert.equal(row.pos, item.final_position === null ? '' : String(item.final_position + 1), what);
      const sources = row.sources.split(', ').map((s) => s.split(' '));
      assert.deepEqual(
        sources.map((s) => s[0]),
        item.sources.map((s) => s.recall),
        what,
      );
      sources.forEach((s, i) => sameNumber(s[1] ?? '', item.sources[i]?.score, `${what} source ${i}`));
      for (const [model, value] of Object.entries(item.scores ?? {})) sameNumber(row.models[model] ?? '', value, `${what} ${model}`);
      sameNumber(row.rank, item.rank_score, `${what} rank score`);
      sameNumber(row.final, item.final_score, `${what} final score`);
      assert.equal(row.moves, item.moves.map((m) => `${m.sort} ${m.before + 1}→${m.after === null ? '✕' : m.after + 1}`).join(' · '), what);
      if (item.dropped?.stage === 'filter')
        assert.equal(row.outcome, `dropped by filter ${item.dropped.by}${item.dropped.reason ? `: ${item.dropped.reason}` : ''}`, what);
    });
    // The explained answer is the plain answer; the exposed items are dropped with the reason.
    assert.deepEqual(
      rows.filter((r) => r.pos !== '').map((r) => r.id),
      answer.items.map((i) => i.item_id),
    );
    for (const id of shown) assert.match(rows.find((r) => r.id === id)?.outcome ?? '', /^dropped by filter User2ItemExposureFilter: shown to this user/);
    assert.ok(rows.some((r) => r.outcome.startsWith('dropped by filter no_cat_1: FilterEvaluableExpression is false')));
    assert.ok(rows.some((r) => r.outcome === 'cut by size'));

    mkdirSync(DOCS, { recursive: true });
    await page.uncheck('#show-dropped'); // the answer's rows; the picture stays readable
    await page.screenshot({ path: join(DOCS, 'console-explain.png') });
    await page.check('#show-dropped');
  });

  it('shows config, health and live charts that agree with the engine', async () => {
    const overview = (await (await api('/console/api/overview')).json()) as ConsoleOverview;
    // Polled every 0.4 s here (2 s by default), so a few seconds of traffic draw lines.
    await page.goto(`${server.url}/console?poll=400#health`);
    const load = (async () => {
      for (let i = 0; i < 40; i++) {
        await api('/api/recommend', { uid: String(i % 50), scene_id: i % 4 === 0 ? 'hot_scene' : 'default_scene', size: 5 });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await page.locator('#config-facts dd').first().waitFor();
    const text = (sel: string) => page.$$eval(sel, (els) => els.map((e) => e.textContent ?? ''));
    const facts = async (sel: string): Promise<Record<string, string>> => {
      const [dt, dd] = [await text(`${sel} dt`), await text(`${sel} dd`)];
      return Object.fromEntries(dt.map((k, i) => [k, dd[i] ?? '']));
    };
    const ready = (await (await fetch(`${server.url}/ready`)).json()) as { config: string };
    assert.equal((await facts('#config-facts'))['signature'], ready.config);
    const reload = await facts('#reload-facts');
    assert.deepEqual([reload['result'], reload['trigger'], reload['signature']], ['ok', 'start', ready.config]);
    const catalog = await facts('#catalog-facts');
    assert.equal(catalog['items'], '2000');
    assert.equal(catalog['last refresh'], overview.catalog?.loaded_at);
    const algorithms = await page.$$eval('#algorithms tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent ?? '')),
    );
    assert.deepEqual(algorithms, [
      ['item_ann', 'ANN', 'in process'],
      ['popularity_lookup', 'LOOKUP', 'in process'],
      ['similarity_lookup', 'LOOKUP', 'in process'],
    ]);
    const config = (await text('#config'))[0] ?? '';
    assert.ok(config.includes('"similarity_lookup"') && config.includes('"token": "***"') && !config.includes(TOKEN), 'the config shows, its token masked');

    // Charts: one row per scene with traffic, drawn from two polls' difference.
    try {
      // (waitForFunction would evaluate a string: the page's CSP refuses eval, as it should.)
      // Lines of several points in each of hot_scene's charts (a point is 'x,y').
      await page.locator('.chart-row[data-scene="hot_scene"] svg polyline[points*=" "]').nth(3).waitFor({ state: 'attached', timeout: 15_000 });
    } finally {
      await load;
    }
    const labels = await text('.chart-row[data-scene="default_scene"] svg text');
    assert.match(labels[0] ?? '', /^QPS: [\d.]+ req\/s$/);
    assert.match(labels[1] ?? '', /^latency: P50 [\d.e-]+ \/ P99 [\d.e-]+ ms$/);
    assert.match(labels[2] ?? '', /^errors: 0 % 5xx$/);
    await page.click('#config-details summary');
    await page.screenshot({ path: join(DOCS, 'console-health.png'), fullPage: true });
  });
});
