import { api, query } from '../api.js';
import { h, table, badge, errorBox } from '../dom.js';
import { count, money, percent } from '../format.js';
import { timeChart, palette } from '../charts.js';

const Ranges = { '24h': 1, '7d': 7, '30d': 30 };
const Dimensions = ['user', 'feature', 'key', 'prompt', 'model'];
// Each burn-down is one /api/costs call; past this many budgets the rest are listed without a chart.
const MaxBurnDowns = 10;

export async function costsPage(container) {
  const params = new URLSearchParams(location.search);
  const state = { by: Dimensions.includes(params.get('by')) ? params.get('by') : 'user', range: Ranges[params.get('range')] ? params.get('range') : '7d' };
  const budgets = h('section', { class: 'panel', 'aria-labelledby': 'budgets-title', 'aria-busy': 'true' }, h('h2', { id: 'budgets-title' }, 'Budgets'));
  const burnDowns = h('div', { class: 'grid', id: 'burn-downs' });
  const top = h('section', { class: 'panel', 'aria-labelledby': 'top-title', 'aria-busy': 'true' });
  const by = h('select', { id: 'top-by' }, Dimensions.map(d => h('option', { value: d, selected: d === state.by }, d)));
  const range = h('div', { class: 'group', role: 'group', 'aria-label': 'Top spenders range' },
    Object.keys(Ranges).map(r => h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(r === state.range), onclick: () => { state.range = r; loadTop(); } }, r)));
  container.append(h('h1', {}, 'Costs & budgets'), budgets, burnDowns,
    h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'top-by' }, 'Top spenders by'), by), range), top);
  by.addEventListener('change', () => { state.by = by.value; loadTop(); });

  async function loadTop() {
    history.replaceState(null, '', `/costs${query(state)}`);
    range.querySelectorAll('button').forEach(b => b.setAttribute('aria-pressed', String(b.textContent === state.range)));
    const to = new Date();
    const from = new Date(to.getTime() - Ranges[state.range] * 86400_000);
    try {
      const result = await api(`/api/costs/top${query({ by: state.by, from: from.toISOString(), to: to.toISOString(), limit: 20 })}`);
      const max = Math.max(...result.data.map(t => t.totals.cost), 0);
      top.replaceChildren(h('h2', { id: 'top-title' }, `Top spenders by ${state.by}, last ${state.range}`), table([
        { title: state.by[0].toUpperCase() + state.by.slice(1), cell: t => h('span', { class: 'mono' }, t.value) },
        { title: 'Cost', class: 'num', cell: t => money(t.totals.cost) },
        { title: 'Share', cell: t => h('span', { class: 'meter', role: 'img', 'aria-label': `${max ? Math.round(t.totals.cost / max * 100) : 0} % of the largest` },
          h('span', { class: 'fill', dataset: { width: max ? t.totals.cost / max : 0 } })) },
        { title: 'Requests', class: 'num', cell: t => count(t.totals.requests) },
        { title: 'Tokens in / out', class: 'num optional', cell: t => `${count(t.totals.inputTokens)} / ${count(t.totals.outputTokens)}` },
        { title: 'Unpriced', class: 'num optional', cell: t => count(t.totals.unpricedRequests) },
      ], result.data, { empty: `No spend by ${state.by} in this range.` }));
      // Widths are set as properties, not inline style attributes, which the page's CSP forbids.
      top.querySelectorAll('.fill').forEach(f => { f.style.width = `${Number(f.dataset.width) * 100}%`; });
    } catch (error) {
      top.replaceChildren(h('h2', { id: 'top-title' }, 'Top spenders'), errorBox(error));
    } finally {
      top.setAttribute('aria-busy', 'false');
    }
  }

  async function loadBudgets() {
    try {
      const list = await api('/api/budgets');
      budgets.append(table([
        { title: 'Budget', cell: b => [h('strong', {}, b.scope === 'project' ? b.projectId : `${b.scope} ${b.scopeValue}`),
          h('div', { class: 'muted' }, `${b.projectId} · ${periodText(b)}`)] },
        { title: 'Spent / amount', class: 'num', cell: b => `${money(b.spent)} / ${money(b.amount)}` },
        { title: 'Used', cell: b => [h('span', { class: 'meter', role: 'img', 'aria-label': `${percent(b.spent / b.amount)} used` },
          h('span', { class: `fill${b.exhausted ? ' bad' : ''}`, dataset: { width: Math.min(1, b.spent / b.amount) } })), ' ', percent(b.spent / b.amount)] },
        { title: 'Thresholds', class: 'optional', cell: b => b.thresholds.map(t => [badge(`${t} %`, b.thresholdsCrossed.includes(t) ? 'firing' : 'ok'), ' ']) },
        { title: 'State', cell: b => b.exhausted ? badge('exhausted', 'firing') : badge('within', 'ok') },
      ], list.data, { empty: 'No budgets. The admin creates them with POST /api/budgets.' }));
      budgets.querySelectorAll('.fill').forEach(f => { f.style.width = `${Number(f.dataset.width) * 100}%`; });
      budgets.setAttribute('aria-busy', 'false');
      await Promise.all(list.data.slice(0, MaxBurnDowns).map(async b => burnDowns.append(await burnDown(b))));
    } catch (error) {
      budgets.append(errorBox(error));
      budgets.setAttribute('aria-busy', 'false');
    }
  }

  await Promise.all([loadBudgets(), loadTop()]);
}

function periodText(b) {
  return b.period === 'rolling' ? `rolling ${b.rollingHours} h` : b.period === 'day' ? 'per day (UTC)' : 'per month (UTC)';
}

function periodStart(b, now) {
  if (b.period === 'day') return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (b.period === 'month') return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return new Date(now.getTime() - b.rollingHours * 3600_000);
}

// The budget's spend accumulated over its period (from the cost rollups) against its amount and thresholds.
async function burnDown(b) {
  const id = `burn-${b.id}`;
  const section = h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, `Burn-down: ${b.scope === 'project' ? b.projectId : `${b.scope} ${b.scopeValue}`}`));
  const now = new Date();
  const start = periodStart(b, now);
  const hours = (now - start) / 3600_000;
  const interval = hours <= 48 ? 'hour' : 'day';
  const dimension = { feature: 'feature', key: 'key', user: 'user' }[b.scope];
  try {
    const costs = await api(`/api/costs${query({ from: start.toISOString(), to: now.toISOString(), interval, groupBy: dimension, projectId: b.projectId })}`);
    const step = (interval === 'hour' ? 3600 : 86400);
    const first = Math.floor(start.getTime() / 1000 / step) * step;
    const times = [];
    for (let t = first; t <= now.getTime() / 1000; t += step) times.push(t);
    const perBucket = new Map();
    for (const row of costs.data)
      if (!dimension || row.group[dimension] === b.scopeValue)
        perBucket.set(Date.parse(row.bucket) / 1000, (perBucket.get(Date.parse(row.bucket) / 1000) ?? 0) + row.totals.cost);
    let running = 0;
    const spent = times.map(t => (running += perBucket.get(t) ?? 0));
    section.append(timeChart({
      times,
      series: [
        { label: 'spent', values: spent, color: palette[0] },
        { label: 'budget', values: times.map(() => b.amount), color: palette[4] },
        ...b.thresholds.filter(t => t < 100).map((t, i) => ({ label: `${t} %`, values: times.map(() => b.amount * t / 100), color: palette[6 + (i % 3)] })),
      ],
      format: v => money(v),
      ariaLabel: `Spend of ${money(b.spent)} accumulated over the period against a budget of ${money(b.amount)}`,
      height: 200,
    }), h('p', { class: 'muted' }, `${money(b.spent)} of ${money(b.amount)} spent this period (${percent(b.spent / b.amount)}); ${money(Math.max(0, b.amount - b.spent))} left.`));
  } catch (error) {
    section.append(errorBox(error));
  }
  return section;
}
