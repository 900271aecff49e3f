// The pairec console: plain DOM, no library, nothing loaded from elsewhere. Every value is
// set as text (never as HTML), so item ids and config values cannot inject markup.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const TOKEN_KEY = 'pairec-console-token';
  let token = sessionStorage.getItem(TOKEN_KEY) || '';

  /** A number as people read it: 6 significant digits; the JSON API has the full value. */
  const fmt = (x) => (typeof x === 'number' && Number.isFinite(x) ? String(Number(x.toPrecision(6))) : x === null || x === undefined ? '' : String(x));

  function message(text) {
    $('message').textContent = text || '';
    $('message').hidden = !text;
  }

  /** JSON from this server, with the console token when one was given; 401 asks for it. */
  async function call(url, init = {}) {
    const headers = { ...(init.headers || {}) };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(url, { ...init, headers });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) $('token-form').hidden = false;
    if (!res.ok) throw new Error(`${res.status} ${body.error_code || ''}: ${body.msg || res.statusText}`);
    return body;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function fill(tbody, rows) {
    tbody.replaceChildren(...rows);
  }

  function tr(cells, cls) {
    const row = el('tr', undefined, cls);
    for (const c of cells) row.append(c instanceof Node ? c : el('td', fmt(c)));
    return row;
  }

  function td(text, cls) {
    return el('td', text, cls);
  }

  function facts(dl, pairs) {
    const out = [];
    for (const [k, v] of pairs) {
      if (v === undefined) continue;
      out.push(el('dt', k), el('dd', fmt(v)));
    }
    dl.replaceChildren(...out);
  }

  // ---- Explain a request ----------------------------------------------------------------

  function outcome(item) {
    if (item.final_position !== null) return `answered #${item.final_position + 1}`;
    const d = item.dropped || {};
    if (d.stage === 'size') return 'cut by size';
    if (d.stage === 'fallback') return `not served: ${d.by}`;
    return `dropped by ${d.stage} ${d.by}${d.reason ? `: ${d.reason}` : ''}`;
  }

  function moves(item) {
    return item.moves.map((m) => `${m.sort} ${m.before + 1}→${m.after === null ? '✕' : m.after + 1}`).join(' · ');
  }

  function renderExplain(answer) {
    const ex = answer.explain;
    const experiment = answer.experiment_id ? `, experiment ${answer.experiment_id}` : ', no experiment';
    $('explain-summary').textContent =
      `request ${answer.request_id}: ${answer.size} items, served by ${ex.served}${experiment}; ${ex.items.length} item ids seen`;
    fill(
      $('stages').tBodies[0],
      ex.stages.map((s) => tr([s.stage, s.in, s.out, s.ms, (s.errors || []).join('; ')])),
    );
    fill(
      $('filters').tBodies[0],
      ex.filters.map((s) => tr([s.name, s.in, s.out, s.ms])),
    );
    fill(
      $('sorts').tBodies[0],
      ex.sorts.map((s) => tr([s.name, s.in, s.out, s.ms])),
    );

    const models = [...new Set(ex.items.flatMap((i) => Object.keys(i.scores || {})))];
    const head = tr([]);
    for (const h of ['#', 'item', 'recall sources (score)', ...models.map((m) => `model ${m}`), 'rank score', 'final score', 'place in each sort', 'outcome'])
      head.append(el('th', h));
    $('items').tHead.replaceChildren(head);
    const rows = ex.items.map((i) => {
      const row = tr(
        [
          td(i.final_position === null ? '' : String(i.final_position + 1), 'pos'),
          td(i.item_id, 'item'),
          td(i.sources.map((s) => `${s.recall} ${fmt(s.score)}`).join(', '), 'sources'),
          ...models.map((m) => {
            const c = td(fmt(i.scores ? i.scores[m] : undefined), 'model');
            c.dataset.model = m;
            return c;
          }),
          td(fmt(i.rank_score), 'rank-score'),
          td(fmt(i.final_score), 'final-score'),
          td(moves(i), 'moves'),
          td(outcome(i), 'outcome'),
        ],
        i.final_position === null ? 'left-out' : 'answered',
      );
      row.dataset.itemId = i.item_id;
      return row;
    });
    fill($('items').tBodies[0], rows);
    $('explain-result').hidden = false;
    applyDroppedToggle();
  }

  function applyDroppedToggle() {
    $('items').classList.toggle('hide-left-out', !$('show-dropped').checked);
  }

  async function explain(ev) {
    ev.preventDefault();
    message('');
    let features;
    try {
      features = JSON.parse($('features').value || '{}');
    } catch (e) {
      message(`features: not JSON (${e.message})`);
      return;
    }
    const body = {
      uid: $('uid').value,
      scene_id: $('scene').value || undefined,
      size: Number($('size').value) || undefined,
      features,
      debug: true,
      explain: true,
    };
    $('explain-button').disabled = true;
    try {
      renderExplain(await call('/api/recommend', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    } catch (e) {
      message(`explain failed: ${e.message}`);
    } finally {
      $('explain-button').disabled = false;
    }
  }

  // ---- Config and health ------------------------------------------------------------------

  async function loadOverview() {
    const o = await call('/console/api/overview');
    facts($('config-facts'), [
      ['signature', o.signature || '(none loaded)'],
      ['scenes', o.scenes.join(', ')],
      ['process', `pid ${o.pid}, up ${o.uptime_s} s`],
    ]);
    const r = o.last_reload;
    const counts =
      Object.entries(o.reloads)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none since start';
    facts(
      $('reload-facts'),
      r
        ? [
            ['result', r.ok ? 'ok' : 'refused'],
            ['trigger', r.trigger],
            ['at', r.at],
            ['signature', r.signature],
            ['problems', r.problems && r.problems.join('; ')],
            ['reloads', counts],
          ]
        : [['reloads', counts]],
    );
    const c = o.catalog || {};
    facts($('catalog-facts'), [
      ['items', c.items],
      ['last refresh', c.loaded_at],
      ['signature', c.signature],
    ]);
    fill(
      $('algorithms').tBodies[0],
      o.algorithms.map((a) => tr([a.name, a.type, a.breaker || 'in process', a.requests, a.errors, a.pool_active, a.pool_queued])),
    );
    $('config').textContent = JSON.stringify(o.config, null, 2);
    $('scenes').replaceChildren(...o.scenes.map((s) => Object.assign(el('option'), { value: s })));
  }

  /** histogram_quantile over one interval's bucket counts (cumulative, `le` with -1 for +Inf). */
  function quantile(q, le, counts) {
    const total = counts[counts.length - 1] || 0;
    if (total <= 0) return null;
    const rank = q * total;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] < rank) continue;
      const lower = i === 0 ? 0 : le[i - 1];
      if (le[i] < 0) return lower; // in +Inf: the highest finite bound, as Prometheus does
      const below = i === 0 ? 0 : counts[i - 1];
      const inBucket = counts[i] - below;
      return inBucket > 0 ? lower + ((le[i] - lower) * (rank - below)) / inBucket : le[i];
    }
    return null;
  }

  const HISTORY = 60;
  // Poll period, ms: 2 s, or ?poll=N (at least 250) for a closer look.
  const POLL_MS = Math.max(250, Number(new URLSearchParams(location.search).get('poll')) || 2000);
  const series = new Map(); // scene → { qps: [], p50: [], p99: [], err: [] }
  let last;

  function chart(title, lines, unit) {
    const w = 220;
    const h = 56;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h + 14}`);
    svg.setAttribute('width', String(w));
    svg.setAttribute('height', String(h + 14));
    const max = Math.max(1e-9, ...lines.flatMap((l) => l.values.filter((v) => v !== null))) * 1.15;
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', '2');
    label.setAttribute('y', '11');
    label.textContent = `${title}: ${lines.map((l) => `${l.name ? `${l.name} ` : ''}${fmt(l.values.length ? l.values[l.values.length - 1] : null)}`).join(' / ')} ${unit}`;
    const frame = document.createElementNS(SVG, 'rect');
    frame.setAttribute('x', '0');
    frame.setAttribute('y', '14');
    frame.setAttribute('width', String(w));
    frame.setAttribute('height', String(h));
    frame.setAttribute('class', 'frame');
    svg.append(label, frame);
    for (const l of lines) {
      const pts = [];
      l.values.forEach((v, i) => {
        if (v !== null) pts.push(`${((i / (HISTORY - 1)) * w).toFixed(1)},${(14 + h - (v / max) * h).toFixed(1)}`);
      });
      const p = document.createElementNS(SVG, 'polyline');
      p.setAttribute('points', pts.join(' '));
      p.setAttribute('fill', 'none');
      p.setAttribute('stroke', l.colour);
      p.setAttribute('stroke-width', '1.5');
      svg.append(p);
      // The newest point as a dot: a line of one point draws nothing.
      const end = pts[pts.length - 1];
      if (end) {
        const dot = document.createElementNS(SVG, 'circle');
        const [cx, cy] = end.split(',');
        dot.setAttribute('cx', cx);
        dot.setAttribute('cy', cy);
        dot.setAttribute('r', '2');
        dot.setAttribute('fill', l.colour);
        svg.append(dot);
      }
    }
    return svg;
  }

  function drawCharts() {
    const rows = [];
    for (const [scene, s] of series) {
      const row = el('div', undefined, 'chart-row');
      row.dataset.scene = scene;
      row.append(
        el('div', scene, 'chart-scene'),
        chart('QPS', [{ values: s.qps, colour: '#2563eb' }], 'req/s'),
        chart(
          'latency',
          [
            { name: 'P50', values: s.p50, colour: '#16a34a' },
            { name: 'P99', values: s.p99, colour: '#dc2626' },
          ],
          'ms',
        ),
        chart('errors', [{ values: s.err, colour: '#9333ea' }], '% 5xx'),
      );
      rows.push(row);
    }
    $('charts').replaceChildren(...rows);
  }

  async function pollStats() {
    const now = await call('/console/api/stats');
    if (!now.metrics) {
      $('stats-note').textContent = '(metrics are off: monitoring.enable_metrics)';
      return;
    }
    $('stats-note').textContent = `(every ${POLL_MS / 1000} s, last ${HISTORY} points, from the engine's request-duration histogram)`;
    if (last) {
      const dt = (now.at - last.at) / 1000;
      for (const [scene, cur] of Object.entries(now.scenes)) {
        const prev = last.scenes[scene] || { count: 0, errors_5xx: 0, buckets: cur.buckets.map(() => 0) };
        const n = cur.count - prev.count;
        const delta = cur.buckets.map((c, i) => c - (prev.buckets[i] || 0));
        const p50 = quantile(0.5, now.le, delta);
        const p99 = quantile(0.99, now.le, delta);
        let s = series.get(scene);
        if (!s) series.set(scene, (s = { qps: [], p50: [], p99: [], err: [] }));
        s.qps.push(dt > 0 ? n / dt : 0);
        s.p50.push(p50 === null ? null : p50 * 1000);
        s.p99.push(p99 === null ? null : p99 * 1000);
        s.err.push(n > 0 ? ((cur.errors_5xx - prev.errors_5xx) / n) * 100 : 0);
        for (const k of Object.keys(s)) if (s[k].length > HISTORY) s[k].shift();
      }
      drawCharts();
    }
    last = now;
  }

  // ---- Views --------------------------------------------------------------------------------

  let timers = [];
  function stopTimers() {
    for (const t of timers) clearInterval(t);
    timers = [];
  }

  const guarded = (f) => () => f().catch((e) => message(e.message));

  function route() {
    const view = location.hash === '#health' ? 'health' : 'explain';
    $('explain').hidden = view !== 'explain';
    $('health').hidden = view !== 'health';
    $('tab-explain').classList.toggle('active', view === 'explain');
    $('tab-health').classList.toggle('active', view === 'health');
    stopTimers();
    if (view === 'health') {
      guarded(loadOverview)();
      guarded(pollStats)();
      timers.push(setInterval(guarded(pollStats), POLL_MS), setInterval(guarded(loadOverview), 10000));
    }
  }

  $('explain-form').addEventListener('submit', explain);
  $('show-dropped').addEventListener('change', applyDroppedToggle);
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token-form').hidden = true;
    message('');
    route();
  });
  window.addEventListener('hashchange', route);
  route();
  // The scene list for the form, when the data is reachable (a token may be needed first).
  call('/console/api/overview').then(
    (o) => $('scenes').replaceChildren(...o.scenes.map((s) => Object.assign(el('option'), { value: s }))),
    () => undefined,
  );
})();
