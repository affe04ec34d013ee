import { api, query } from '../api.js';
import { h, table, errorBox } from '../dom.js';
import { timeChart } from '../charts.js';
import { money, count, ms, percent } from '../format.js';

// Each range picks a bucket size that keeps the charts readable and the queries small.
const Ranges = {
  '1h': { hours: 1, interval: 'minute', stepSeconds: 60 },
  '24h': { hours: 24, interval: 'hour', stepSeconds: 3600 },
  '7d': { hours: 168, interval: 'hour', stepSeconds: 3600 },
};
const RefreshSeconds = 15;
const CostGroups = [['model', 'model', 'Model'], ['feature', 'feature', 'Feature'], ['project', 'project', 'Project']];
let chosenRange = '24h';
let chosenGroup = '';
let chosenCostGroup = 'model';
let liveRefresh = true;

export async function overviewPage(container) {
  const content = h('div', { 'aria-busy': 'true' });
  const status = h('p', { class: 'muted', id: 'refresh-status' });
  const rangeButtons = Object.keys(Ranges).map(range => h('button', {
    type: 'button', class: 'secondary', 'aria-pressed': String(range === chosenRange),
    onclick: () => { chosenRange = range; rangeButtons.forEach(b => b.setAttribute('aria-pressed', String(b.textContent === range))); load(); },
  }, range));
  // Traces per feature or project come from the same per-minute rollups as the totals (trace-stats' groupBy).
  const groupSelect = h('select', { id: 'group-by', onchange: e => { chosenGroup = e.target.value; load(); } },
    ...[['', 'nothing'], ['feature', 'feature'], ['project', 'project']].map(([value, label]) =>
      h('option', { value, ...(value === chosenGroup ? { selected: true } : {}) }, label)));
  // The cost chart's stacking dimension: cost-accountant's rollups are keyed by model, feature and project alike.
  const costGroupSelect = h('select', { id: 'cost-by', onchange: e => { chosenCostGroup = e.target.value; load(); } },
    ...CostGroups.map(([value, label]) => h('option', { value, ...(value === chosenCostGroup ? { selected: true } : {}) }, label)));
  const liveBox = h('input', { type: 'checkbox', id: 'live', checked: liveRefresh, onchange: e => { liveRefresh = e.target.checked; schedule(); } });
  container.append(
    h('h1', {}, 'Overview'),
    h('div', { class: 'toolbar' },
      h('div', { class: 'group', role: 'group', 'aria-label': 'Time range' }, h('span', { class: 'muted' }, 'Range:'), rangeButtons),
      h('div', { class: 'group' }, h('label', { for: 'cost-by' }, 'Cost by:'), costGroupSelect),
      h('div', { class: 'group' }, h('label', { for: 'group-by' }, 'Traces by:'), groupSelect),
      h('div', { class: 'group' }, liveBox, h('label', { for: 'live' }, `Live refresh (every ${RefreshSeconds} s)`)),
      status),
    content);

  let timer;
  let stopped = false;
  const schedule = () => { clearTimeout(timer); if (liveRefresh && !stopped) timer = setTimeout(load, RefreshSeconds * 1000); };

  async function load() {
    clearTimeout(timer);
    const range = Ranges[chosenRange];
    const to = new Date();
    const from = new Date(to.getTime() - range.hours * 3600_000);
    const window = { from: from.toISOString(), to: to.toISOString(), interval: range.interval };
    try {
      const [costs, stats] = await Promise.all([
        api(`/api/costs${query({ ...window, groupBy: chosenCostGroup })}`),
        api(`/api/trace-stats${query({ ...window, ...(chosenGroup ? { groupBy: chosenGroup } : {}) })}`),
      ]);
      if (stopped) return;
      content.replaceChildren(...render(costs, stats, from, to, range, chosenCostGroup).filter(Boolean));
      status.textContent = `Updated ${to.toLocaleTimeString('en-GB')}`;
    } catch (error) {
      if (stopped) return;
      content.replaceChildren(errorBox(error));
    } finally {
      content.setAttribute('aria-busy', 'false');
      schedule();
    }
  }

  await load();
  return () => { stopped = true; clearTimeout(timer); };
}

function buckets(from, to, stepSeconds) {
  const first = Math.floor(from.getTime() / 1000 / stepSeconds) * stepSeconds;
  const times = [];
  for (let t = first; t < to.getTime() / 1000; t += stepSeconds) times.push(t);
  return times;
}

function render(costs, stats, from, to, range, costGroup) {
  const times = buckets(from, to, range.stepSeconds);
  const index = new Map(times.map((t, i) => [t, i]));
  const at = iso => index.get(Math.floor(new Date(iso).getTime() / 1000 / range.stepSeconds) * range.stepSeconds);

  // Cost per bucket, one series per model, feature or project (stacked); requests and tokens summed over them.
  const models = [...new Set(costs.data.map(r => r.group[costGroup] || '(none)'))];
  const costByModel = new Map(models.map(m => [m, new Array(times.length).fill(0)]));
  const requests = new Array(times.length).fill(0);
  const inputTokens = new Array(times.length).fill(0);
  const outputTokens = new Array(times.length).fill(0);
  const modelTotals = new Map();
  for (const row of costs.data) {
    const model = row.group[costGroup] || '(none)';
    const total = modelTotals.get(model) ?? { requests: 0, unpriced: 0, tokens: 0, cost: 0 };
    total.requests += row.totals.requests; total.unpriced += row.totals.unpricedRequests;
    total.tokens += row.totals.inputTokens + row.totals.outputTokens; total.cost += row.totals.cost;
    modelTotals.set(model, total);
    const i = at(row.bucket);
    if (i === undefined) continue;
    costByModel.get(model)[i] += row.totals.cost;
    requests[i] += row.totals.requests;
    inputTokens[i] += row.totals.inputTokens;
    outputTokens[i] += row.totals.outputTokens;
  }

  const p50 = new Array(times.length).fill(null), p95 = [...p50], p99 = [...p50], errorRate = [...p50];
  let traces = 0, errors = 0;
  for (const b of stats.data) {
    traces += b.traces; errors += b.errors;
    const i = at(b.bucket);
    if (i === undefined) continue;
    p50[i] = b.latencyP50Ms; p95[i] = b.latencyP95Ms; p99[i] = b.latencyP99Ms; errorRate[i] = b.errorRate;
  }
  const scoreNames = [...new Set(stats.scores.map(s => s.name))].sort();
  const scoreSeries = scoreNames.map(name => ({ label: name, values: new Array(times.length).fill(null) }));
  const scoreTotals = new Map(scoreNames.map(n => [n, { count: 0, sum: 0 }]));
  for (const s of stats.scores) {
    const total = scoreTotals.get(s.name); total.count += s.count; total.sum += s.mean * s.count;
    const i = at(s.bucket);
    if (i !== undefined) scoreSeries[scoreNames.indexOf(s.name)].values[i] = s.mean;
  }
  const worstP95 = Math.max(...stats.data.map(b => b.latencyP95Ms ?? 0), 0);

  // Generations (trace-stats' generation rollups): cache hit rate among lookups, and streamed generations' time to first token.
  const hitRate = new Array(times.length).fill(null), ttftP50 = [...hitRate], ttftP95 = [...hitRate];
  let lookups = 0, hits = 0, timed = 0;
  for (const g of stats.generations ?? []) {
    lookups += g.cacheLookups; hits += g.cacheHits; timed += g.ttftCount;
    const i = at(g.bucket);
    if (i === undefined) continue;
    hitRate[i] = g.cacheHitRate; ttftP50[i] = g.ttftP50Ms; ttftP95[i] = g.ttftP95Ms;
  }
  const worstTtftP95 = Math.max(...(stats.generations ?? []).map(g => g.ttftP95Ms ?? 0), 0);

  const groups = (stats.groups ?? []).map(g => {
    const values = new Array(times.length).fill(0);
    let traces = 0, errors = 0, worst = 0;
    for (const b of g.data) {
      traces += b.traces; errors += b.errors; worst = Math.max(worst, b.latencyP95Ms ?? 0);
      const i = at(b.bucket);
      if (i !== undefined) values[i] = b.traces;
    }
    return { name: g.group || '(none)', values, traces, errors, worst };
  });

  const tile = (label, value, id) => h('div', { class: 'tile', id }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
  return [
    h('section', { class: 'tiles', 'aria-label': 'Totals for the range' },
      tile('Cost', money(costs.totals.cost), 'tile-cost'),
      tile('Requests', count(costs.totals.requests), 'tile-requests'),
      tile('Tokens (in / out)', `${count(costs.totals.inputTokens)} / ${count(costs.totals.outputTokens)}`, 'tile-tokens'),
      tile('Traces', count(traces), 'tile-traces'),
      tile('Error rate', traces ? percent(errors / traces) : '–', 'tile-errors'),
      tile('Worst p95 latency', worstP95 ? ms(worstP95) : '–', 'tile-p95'),
      tile('Cache hit rate', lookups ? percent(hits / lookups) : '–', 'tile-cache')),
    costs.unpricedModels.length ? h('p', { class: 'error' }, `Unpriced models (their cost is not counted): ${costs.unpricedModels.join(', ')}`) : null,
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'cost-title' },
        h('h2', { id: 'cost-title' }, `Cost per ${range.interval} by ${costGroup} (stacked)`),
        timeChart({ times, series: models.map(m => ({ label: m, values: costByModel.get(m) })), stacked: true, format: money,
          ariaLabel: `Stacked cost per ${range.interval} by ${costGroup}; totals are in the table below.` }),
        table([
          { title: CostGroups.find(g => g[0] === costGroup)[2], cell: r => r[0] },
          { title: 'Requests', class: 'num', cell: r => count(r[1].requests) },
          { title: 'Tokens', class: 'num', cell: r => count(r[1].tokens) },
          { title: 'Cost', class: 'num', cell: r => (r[1].unpriced === r[1].requests ? 'unpriced' : money(r[1].cost)) },
        ], [...modelTotals].sort((a, b) => b[1].cost - a[1].cost), { empty: 'No requests in this range.' })),
      h('section', { class: 'panel', 'aria-labelledby': 'traffic-title' },
        h('h2', { id: 'traffic-title' }, 'Requests and tokens'),
        timeChart({ times, series: [{ label: 'requests', values: requests }], bars: true, format: count, height: 140,
          ariaLabel: `Requests per ${range.interval}: ${count(costs.totals.requests)} in total.` }),
        timeChart({ times, series: [{ label: 'input tokens', values: inputTokens }, { label: 'output tokens', values: outputTokens }],
          format: count, height: 160, ariaLabel: 'Input and output tokens over time.' })),
      h('section', { class: 'panel', 'aria-labelledby': 'latency-title' },
        h('h2', { id: 'latency-title' }, 'Trace latency p50 / p95 / p99'),
        timeChart({ times, series: [{ label: 'p50', values: p50 }, { label: 'p95', values: p95 }, { label: 'p99', values: p99 }], format: ms,
          ariaLabel: `Trace latency percentiles; the worst p95 in the range is ${ms(worstP95)}.` })),
      h('section', { class: 'panel', 'aria-labelledby': 'errors-title' },
        h('h2', { id: 'errors-title' }, 'Error rate'),
        timeChart({ times, series: [{ label: 'errors', values: errorRate, color: '#b91c1c' }], format: percent,
          ariaLabel: `Share of traces that failed: ${traces ? percent(errors / traces) : 'no traces'}.` })),
      h('section', { class: 'panel', 'aria-labelledby': 'cache-title' },
        h('h2', { id: 'cache-title' }, 'Cache hit rate'),
        timeChart({ times, series: [{ label: 'hit rate', values: hitRate, color: '#15803d' }], format: percent,
          ariaLabel: lookups ? `Share of cache lookups answered from the cache: ${percent(hits / lookups)} of ${count(lookups)}.` : 'No cache lookups in this range.' }),
        h('p', { class: 'muted', id: 'cache-summary' },
          lookups ? `${count(hits)} of ${count(lookups)} cache lookups answered from the cache (exact or semantic; a bypass is no lookup).` : 'No cache lookups in this range.')),
      h('section', { class: 'panel', 'aria-labelledby': 'ttft-title' },
        h('h2', { id: 'ttft-title' }, 'Time to first token p50 / p95 (streamed)'),
        timeChart({ times, series: [{ label: 'p50', values: ttftP50 }, { label: 'p95', values: ttftP95 }], format: ms,
          ariaLabel: timed ? `Time to first token of streamed generations; the worst p95 in the range is ${ms(worstTtftP95)}.` : 'No streamed generations in this range.' }),
        h('p', { class: 'muted', id: 'ttft-summary' },
          timed ? `Streamed generations timed: ${count(timed)}; worst p95 ${ms(worstTtftP95)}.` : 'No streamed generations in this range.')),
      h('section', { class: 'panel', 'aria-labelledby': 'quality-title' },
        h('h2', { id: 'quality-title' }, 'Quality scores (mean per bucket)'),
        timeChart({ times, series: scoreSeries, format: v => v.toFixed(2), ariaLabel: 'Mean of each score over time; the table lists them.' }),
        table([
          { title: 'Score', cell: r => r[0] },
          { title: 'Scores recorded', class: 'num', cell: r => count(r[1].count) },
          { title: 'Mean', class: 'num', cell: r => (r[1].sum / r[1].count).toFixed(3) },
        ], [...scoreTotals], { empty: 'No scores recorded in this range.' })),
      stats.groupBy ? h('section', { class: 'panel', 'aria-labelledby': 'groups-title', id: 'groups-panel' },
        h('h2', { id: 'groups-title' }, `Traces per ${range.interval} by ${stats.groupBy} (stacked)`),
        timeChart({ times, series: groups.map(g => ({ label: g.name, values: g.values })), stacked: true, format: count,
          ariaLabel: `Traces per ${range.interval} by ${stats.groupBy}; the table lists each one's totals.` }),
        table([
          { title: stats.groupBy === 'feature' ? 'Feature' : 'Project', cell: g => g.name },
          { title: 'Traces', class: 'num', cell: g => count(g.traces) },
          { title: 'Error rate', class: 'num', cell: g => (g.traces ? percent(g.errors / g.traces) : '–') },
          { title: 'Worst p95', class: 'num', cell: g => (g.worst ? ms(g.worst) : '–') },
        ], [...groups].sort((a, b) => b.traces - a.traces), { empty: 'No traces in this range.' })) : null),
  ];
}
