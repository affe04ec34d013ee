import { api, query } from '../api.js';
import { h, table, badge, errorBox } from '../dom.js';
import { count, percent, time, ago } from '../format.js';

const Paths = [
  { path: 'prompt', title: 'Prompt actions' },
  { path: 'rag', title: 'RAG actions' },
  { path: 'fine_tune', title: 'Fine-tune actions' },
  { path: 'routing', title: 'Routing actions' },
];

export async function loopPage(container) {
  const params = new URLSearchParams(location.search);
  const status = h('select', { id: 'loop-status' },
    [['', 'any'], ['open', 'open'], ['acknowledged', 'acknowledged'], ['resolved', 'resolved'], ['dismissed', 'dismissed']]
      .map(([value, label]) => h('option', { value, selected: (params.get('status') ?? '') === value }, label)));
  const notice = h('p', { role: 'status', class: 'muted', id: 'loop-notice' });
  const sections = Paths.map(p => h('section', { class: 'panel', 'aria-labelledby': `loop-${p.path}`, 'aria-busy': 'true' }, h('h2', { id: `loop-${p.path}` }, p.title)));
  const drift = h('section', { class: 'panel', 'aria-labelledby': 'drift-title', 'aria-busy': 'true' }, h('h2', { id: 'drift-title' }, 'Drift signals'));
  container.append(h('h1', {}, 'Loop'),
    h('p', { class: 'muted' }, 'What the evaluator\'s loop controller proposed, by path, with the numbers it rests on.'),
    h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'loop-status' }, 'Status'), status)),
    notice, ...sections, drift);

  async function load() {
    const [actions, signals] = await Promise.all([
      Promise.all(Paths.map(p => api(`/api/actions${query({ path: p.path, status: status.value, limit: 100 })}`).catch(e => e))),
      api('/api/drift?limit=100').catch(e => e),
    ]);
    Paths.forEach((p, i) => {
      const section = sections[i];
      section.replaceChildren(h('h2', { id: `loop-${p.path}` }, p.title),
        actions[i] instanceof Error ? errorBox(actions[i]) : actionTable(actions[i].data, act));
      section.setAttribute('aria-busy', 'false');
    });
    drift.replaceChildren(h('h2', { id: 'drift-title' }, 'Drift signals'), signals instanceof Error ? errorBox(signals) : driftTable(signals.data));
    drift.setAttribute('aria-busy', 'false');
  }

  async function act(action, verb, button) {
    button.disabled = true;
    try {
      await api(`/api/actions/${action.id}/${verb}`, { method: 'POST', body: {} });
      await load();
      notice.textContent = `${action.summary}: ${verb === 'acknowledge' ? 'acknowledged' : verb === 'resolve' ? 'resolved' : 'dismissed'}.`;
    } catch (error) {
      notice.textContent = `Could not ${verb}: ${error.message}`;
      button.disabled = false;
    }
  }

  status.addEventListener('change', () => {
    history.replaceState(null, '', `/loop${query({ status: status.value })}`);
    load();
  });
  await load();
}

function actionTable(actions, act) {
  return table([
    { title: 'Status', cell: a => badge(a.status, a.status === 'open' ? 'pending' : a.status === 'resolved' ? 'ok' : undefined) },
    { title: 'Action', cell: a => [h('strong', {}, a.summary), h('div', { class: 'muted' }, `${a.kind} · ${a.subject}`)] },
    { title: 'Evidence', cell: a => evidenceList(a.evidence) },
    { title: 'Proposed', class: 'optional', cell: a => h('span', { title: time(a.createdAt) }, ago(a.createdAt)) },
    { title: 'Last change', class: 'optional', cell: a => a.updatedBy ? `${a.updatedBy}, ${ago(a.updatedAt)}${a.note ? `: ${a.note}` : ''}` : '–' },
    { title: 'Actions', cell: a => a.status === 'resolved' || a.status === 'dismissed' ? '' : h('div', { class: 'row-actions' },
      a.status === 'open' ? h('button', { type: 'button', 'aria-label': `Acknowledge ${a.summary}`, onclick: e => act(a, 'acknowledge', e.currentTarget) }, 'Acknowledge') : null,
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Resolve ${a.summary}`, onclick: e => act(a, 'resolve', e.currentTarget) }, 'Resolve'),
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Dismiss ${a.summary}`, onclick: e => act(a, 'dismiss', e.currentTarget) }, 'Dismiss')) },
  ], actions, { empty: 'No actions.' });
}

/** An action's evidence as a short list: metric, n, rate with its interval, the comparison, and example traces. */
export function evidenceList(e) {
  if (!e) return '–';
  const interval = e.intervalLow !== undefined ? ` (${percent(e.intervalLow)}–${percent(e.intervalHigh)}${e.method ? `, ${e.method}` : ''})` : '';
  return h('ul', { class: 'evidence' },
    h('li', {}, h('code', {}, e.metric), `: ${count(e.failureCount)} of ${count(e.sampleSize)} failed, rate ${percent(e.rate)}${interval}`),
    e.baselineSampleSize ? h('li', {}, `baseline: rate ${percent(e.baselineRate)} over ${count(e.baselineSampleSize)}`) : null,
    e.windowFrom ? h('li', { class: 'muted' }, `${time(e.windowFrom)} – ${time(e.windowTo)}`) : null,
    (e.exampleTraceIds ?? []).length
      ? h('li', {}, 'examples: ', e.exampleTraceIds.slice(0, 5).map((id, i) => [i ? ', ' : '',
        h('a', { href: `/traces/${encodeURIComponent(id)}`, 'data-link': true, class: 'mono' }, id)]))
      : null);
}

function driftTable(signals) {
  return table([
    { title: 'Detected', cell: s => h('span', { title: time(s.detectedAt) }, ago(s.detectedAt)) },
    { title: 'Kind', cell: s => badge(s.kind, 'warning') },
    { title: 'Statistic', cell: s => h('code', {}, s.statistic) },
    { title: 'Value / threshold', class: 'num', cell: s => `${fmt(s.value)} / ${fmt(s.threshold)}` },
    { title: 'Subject', cell: s => [s.promptName ? `${s.promptName}${s.promptVersion ? ` v${s.promptVersion}` : ''}` : '', s.model ? ` ${s.model}` : ''] },
    { title: 'Windows', class: 'optional', cell: s => h('span', { class: 'muted' },
      `baseline ${time(s.baselineFrom)} – ${time(s.baselineTo)}; current ${time(s.currentFrom)} – ${time(s.currentTo)}`) },
    { title: 'Detail', class: 'optional', cell: s => s.detail ?? '' },
  ], signals, { empty: 'No drift signals.' });
}

function fmt(value) {
  if (value === null || value === undefined) return '–';
  return Math.abs(value) >= 100 ? value.toFixed(0) : Number(value.toPrecision(3)).toString();
}
