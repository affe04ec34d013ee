import { api, query } from '../api.js';
import { h, table, badge, errorBox } from '../dom.js';
import { count, ms, time } from '../format.js';
import { navigate } from '../app.js';

const Filters = [
  { name: 'search', label: 'Search input / output', type: 'search' },
  { name: 'model', label: 'Model' },
  { name: 'userId', label: 'User' },
  { name: 'feature', label: 'Feature' },
];

export async function tracesPage(container) {
  const params = new URLSearchParams(location.search);
  const fields = Filters.map(f => h('div', { class: 'field' },
    h('label', { for: `f-${f.name}` }, f.label),
    h('input', { id: `f-${f.name}`, name: f.name, type: f.type ?? 'text', value: params.get(f.name) ?? '' })));
  const statusSelect = h('select', { id: 'f-status', name: 'status' },
    ['', 'ok', 'error'].map(v => h('option', { value: v, selected: params.get('status') === v }, v || 'any')));
  const form = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Filter traces', onsubmit: event => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    navigate(`/traces${query(values)}`);
  } },
  fields,
  h('div', { class: 'field' }, h('label', { for: 'f-status' }, 'Status'), statusSelect),
  h('button', { type: 'submit' }, 'Apply'),
  h('a', { href: '/traces', 'data-link': true }, 'Clear'));

  const list = h('div', { 'aria-busy': 'true' });
  const more = h('div', {});
  container.append(h('h1', {}, 'Traces'), form, list, more);

  const filters = Object.fromEntries([...params].filter(([name]) => ['search', 'model', 'userId', 'feature', 'status', 'sessionId', 'scoreName'].includes(name)));
  const rows = [];
  async function load(cursor) {
    try {
      const page = await api(`/api/traces${query({ ...filters, limit: 50, cursor })}`);
      rows.push(...page.data);
      list.replaceChildren(table(columns, rows, { empty: 'No traces match.' }));
      more.replaceChildren(page.nextCursor
        ? h('button', { type: 'button', class: 'secondary', onclick: () => load(page.nextCursor) }, 'Load more')
        : rows.length ? h('p', { class: 'muted' }, `${rows.length} trace(s).`) : '');
    } catch (error) {
      list.replaceChildren(errorBox(error));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }
  await load();
}

const columns = [
  { title: 'Started', cell: t => time(t.startTime) },
  { title: 'Trace', cell: t => h('a', { href: `/traces/${encodeURIComponent(t.id)}`, 'data-link': true, class: 'mono' }, t.id) },
  { title: 'Name', class: 'optional', cell: t => t.name ?? '' },
  { title: 'Models', cell: t => t.models.join(', ') },
  { title: 'Status', cell: t => badge(t.status) },
  { title: 'Latency', class: 'num', cell: t => ms(t.latencyMs) },
  { title: 'Tokens', class: 'num optional', cell: t => count(t.totalInputTokens + t.totalOutputTokens) },
  { title: 'Scores', class: 'optional', cell: t => t.scores.map(s => `${s.name} ${s.value ?? s.label ?? ''}`).join(', ') },
  { title: 'Input', class: 'optional', cell: t => (t.inputPreview ?? '').slice(0, 80) },
];
