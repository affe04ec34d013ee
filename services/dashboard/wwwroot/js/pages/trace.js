import { api, query } from '../api.js';
import { h, table, badge, errorBox } from '../dom.js';
import { count, ms, money, time, text } from '../format.js';

export async function tracePage(container, id) {
  container.append(h('p', {}, h('a', { href: '/traces', 'data-link': true }, '← All traces')));
  let trace;
  try {
    trace = await api(`/api/traces/${encodeURIComponent(id)}`);
  } catch (error) {
    container.append(h('h1', {}, 'Trace'), errorBox(error));
    return;
  }
  // Costs come from cost-accountant, by the inference ids the gateway's generations carry.
  const inferenceIds = trace.observations.map(o => o.inferenceId).filter(Boolean).slice(0, 100);
  let costs = new Map();
  let costNote = null;
  if (inferenceIds.length) {
    try {
      const answer = await api(`/api/costs/inferences${query({ id: inferenceIds })}`);
      costs = new Map(answer.data.map(c => [c.inferenceId, c]));
    } catch (error) { costNote = `Costs unavailable: ${error.message}`; }
  }
  const priced = [...costs.values()];
  const totalCost = priced.some(c => c.priced) ? priced.reduce((sum, c) => sum + (c.cost ?? 0), 0) : null;

  const detail = h('section', { class: 'panel', 'aria-labelledby': 'detail-title', id: 'observation-detail' });
  // Wrapped in h(), which skips the null parts (append would print them).
  container.append(h('div', {},
    h('h1', {}, 'Trace ', h('span', { class: 'mono', id: 'trace-id' }, trace.id)),
    h('section', { class: 'panel' }, h('dl', { class: 'meta' },
      item('Name', trace.name ?? '–'), item('Status', badge(trace.status)), item('Started', time(trace.startTime)),
      item('Latency', ms(trace.latencyMs)), item('User', trace.userId ?? '–'), item('Session', trace.sessionId ?? '–'),
      item('Feature', trace.feature ?? '–'), item('Project', trace.projectId),
      item('Tokens (in / out)', `${count(sum(trace.observations, o => o.usage.inputTokens))} / ${count(sum(trace.observations, o => o.usage.outputTokens))}`),
      item('Cost', inferenceIds.length ? money(totalCost) : 'no priced calls'))),
    costNote ? h('p', { class: 'error' }, costNote) : null,
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'tree-title' },
        h('h2', { id: 'tree-title' }, 'Observations'),
        h('p', { class: 'muted' }, 'Indented by parent; bars show when each ran within the trace. Select one for its details.'),
        waterfall(trace, selected => showDetail(detail, selected, costs))),
      detail),
    h('section', { class: 'panel', 'aria-labelledby': 'io-title' },
      h('h2', { id: 'io-title' }, 'Trace input and output'),
      h('h3', {}, 'Input'), h('pre', {}, text(trace.input) || '–'),
      h('h3', {}, 'Output'), h('pre', {}, text(trace.output) || '–')),
    h('section', { class: 'panel', 'aria-labelledby': 'scores-title' },
      h('h2', { id: 'scores-title' }, 'Scores'),
      scoreTable([...trace.scores, ...trace.observations.flatMap(o => o.scores)]))));
  const first = trace.observations.find(o => o.type === 'generation') ?? trace.observations[0];
  if (first) showDetail(detail, first, costs);
  else detail.append(h('h2', { id: 'detail-title' }, 'Details'), h('p', { class: 'empty' }, 'This trace has no observations.'));
}

function item(label, value) { return [h('dt', {}, label), h('dd', {}, value)]; }
function sum(list, pick) { return list.reduce((total, x) => total + (pick(x) ?? 0), 0); }

function waterfall(trace, onSelect) {
  const start = new Date(trace.startTime).getTime();
  const ends = trace.observations.map(o => new Date(o.endTime ?? o.startTime ?? trace.startTime).getTime());
  const end = Math.max(new Date(trace.endTime ?? trace.startTime).getTime(), ...ends, start + 1);
  const span = end - start;
  const buttons = [];
  const list = h('ol', { class: 'waterfall', 'aria-label': 'Observation tree and timings' },
    trace.observations.map(o => {
      const from = new Date(o.startTime ?? trace.startTime).getTime();
      const to = new Date(o.endTime ?? o.startTime ?? trace.startTime).getTime();
      const left = ((from - start) / span) * 100;
      const width = Math.max(((to - from) / span) * 100, 0.5);
      const duration = o.startTime && o.endTime ? ms(to - from) : 'no end time';
      const button = h('button', {
        type: 'button', 'aria-current': 'false', dataset: { type: o.type, observationId: o.id },
        'aria-label': `${o.type} ${o.name}, level ${o.depth + 1}, ${duration}${o.status === 'error' ? ', failed' : ''}`,
        onclick: () => { buttons.forEach(b => b.setAttribute('aria-current', String(b === button))); onSelect(o); },
      },
      h('span', { class: 'name', style: null },
        h('span', { class: 'indent', 'aria-hidden': 'true' }, '\u00a0\u00a0'.repeat(o.depth) + (o.depth ? '└ ' : '')),
        badge(o.type, `t-${o.type}`), ' ', o.name || '(unnamed)'),
      h('span', { class: 'track', 'aria-hidden': 'true' }, bar(left, width, o)));
      buttons.push(button);
      return h('li', {}, button);
    }));
  if (buttons[0]) buttons[0].setAttribute('aria-current', 'true');
  return list;
}

// Position set through the CSSOM (allowed by the page's style-src 'self'), not a style attribute.
function bar(left, width, o) {
  const element = h('span', { class: `bar t-${o.type} ${o.status === 'error' ? 'error' : ''}` });
  element.style.left = `${Math.min(left, 99.5)}%`;
  element.style.width = `${Math.min(width, 100 - Math.min(left, 99.5))}%`;
  return element;
}

function showDetail(panel, o, costs) {
  const cost = o.inferenceId ? costs.get(o.inferenceId) : null;
  panel.replaceChildren(h('div', {},
    h('h2', { id: 'detail-title' }, `${o.type}: ${o.name || '(unnamed)'}`),
    h('dl', { class: 'meta' },
      item('Status', badge(o.status)), item('Started', time(o.startTime)),
      item('Duration', o.startTime && o.endTime ? ms(new Date(o.endTime) - new Date(o.startTime)) : '–'),
      o.completionStartTime ? item('Time to first token', ms(new Date(o.completionStartTime) - new Date(o.startTime))) : null,
      o.model ? item('Model', o.model) : null, o.deployment ? item('Deployment', o.deployment) : null,
      o.promptName ? item('Prompt', `${o.promptName} v${o.promptVersion ?? '?'}`) : null,
      o.type === 'generation' ? item('Tokens (in / out)', `${count(o.usage.inputTokens)} / ${count(o.usage.outputTokens)}`) : null,
      cost ? item('Cost', cost.priced ? money(cost.cost) : 'unpriced') : null),
    o.statusMessage ? h('p', { class: 'error' }, o.statusMessage) : null,
    h('h3', {}, 'Input'), h('pre', {}, text(o.input) || '–'),
    h('h3', {}, 'Output'), h('pre', {}, text(o.output) || '–'),
    o.scores.length ? [h('h3', {}, 'Scores'), scoreTable(o.scores)] : null));
}

function scoreTable(scores) {
  return table([
    { title: 'Score', cell: s => s.name },
    { title: 'Value', class: 'num', cell: s => s.value ?? s.label ?? '–' },
    { title: 'Source', cell: s => s.evaluatorName ?? s.source },
    { title: 'Comment', class: 'optional', cell: s => s.comment ?? '' },
  ], scores, { empty: 'No scores yet.' });
}
