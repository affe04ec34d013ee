import { api } from '../api.js';
import { h, table, badge, errorBox } from '../dom.js';
import { ago, time } from '../format.js';

const NameKey = 'llmops.oncall-name';
const RefreshSeconds = 15;

export async function alertsPage(container) {
  const name = h('input', { id: 'oncall-name', value: sessionStorage.getItem(NameKey) ?? '', maxlength: 100, autocomplete: 'name',
    onchange: e => sessionStorage.setItem(NameKey, e.target.value.trim()) });
  const notice = h('p', { role: 'status', class: 'muted', id: 'alerts-status' });
  const alerts = h('section', { class: 'panel', 'aria-labelledby': 'alerts-title' });
  const silenceForm = silenceSection(notice, () => load());
  const rules = h('section', { class: 'panel', 'aria-labelledby': 'rules-title' });
  container.append(
    h('h1', {}, 'Alerts'),
    h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'oncall-name' }, 'Your name (recorded with acknowledge, resolve and silences)'), name)),
    notice, alerts, silenceForm.section, rules);

  let timer;
  let stopped = false;
  async function load() {
    clearTimeout(timer);
    try {
      const [alertList, ruleList] = await Promise.all([api('/api/alerts'), api('/api/rules')]);
      if (stopped) return;
      alerts.replaceChildren(h('h2', { id: 'alerts-title' }, 'Firing and recent alerts'), alertTable(alertList.data, act, silenceForm.prefill));
      rules.replaceChildren(h('h2', { id: 'rules-title' }, 'Rules'), ruleTable(ruleList.data));
    } catch (error) {
      if (!stopped) alerts.replaceChildren(h('h2', { id: 'alerts-title' }, 'Firing and recent alerts'), errorBox(error));
    }
    if (!stopped) timer = setTimeout(load, RefreshSeconds * 1000);
  }

  async function act(alert, action, button) {
    const note = action === 'resolve' ? prompt('Note for resolving (optional):') : null;
    if (note === null && action === 'resolve' && !confirm(`Resolve ${alert.rule} by hand?`)) return;
    button.disabled = true;
    try {
      await api(`/api/alerts/${encodeURIComponent(alert.fingerprint)}/${action}`, {
        method: 'POST', body: { by: name.value.trim() || null, note: note || null },
      });
      notice.textContent = `${alert.rule}: ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`;
      await load();
    } catch (error) {
      notice.textContent = `Could not ${action} ${alert.rule}: ${error.message}`;
      button.disabled = false;
    }
  }

  await load();
  return () => { stopped = true; clearTimeout(timer); };
}

function alertTable(alerts, act, silence) {
  const order = { firing: 0, pending: 1, resolved: 2 };
  const sorted = [...alerts].sort((a, b) => (order[a.state] - order[b.state]) || String(b.firedAt ?? b.activeAt).localeCompare(String(a.firedAt ?? a.activeAt)));
  return table([
    { title: 'State', cell: a => [badge(a.state), a.acknowledgedBy ? [' ', badge('acknowledged', 'ok')] : null, a.silenced ? [' ', badge('silenced')] : null] },
    { title: 'Rule', cell: a => [h('strong', {}, a.rule), h('div', { class: 'muted' }, a.annotations?.summary ?? '')] },
    { title: 'Severity', cell: a => badge(a.severity ?? '–', a.severity) },
    { title: 'Labels', class: 'optional', cell: a => h('code', {}, Object.entries(a.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join(' ')) },
    { title: 'Value / threshold', class: 'num', cell: a => `${fmt(a.value)} / ${fmt(a.threshold)}` },
    { title: 'Since', cell: a => h('span', { title: time(a.firedAt ?? a.activeAt) }, ago(a.firedAt ?? a.activeAt)) },
    { title: 'Acknowledged by', class: 'optional', cell: a => a.acknowledgedBy ?? (a.resolvedBy ? `resolved by ${a.resolvedBy}` : '–') },
    { title: 'Receivers', class: 'optional', cell: a => (a.receivers ?? []).join(', ') || '–' },
    { title: 'Actions', cell: a => h('div', { class: 'row-actions' },
      a.state === 'firing' && !a.acknowledgedBy
        ? h('button', { type: 'button', 'aria-label': `Acknowledge ${a.rule}`, onclick: e => act(a, 'acknowledge', e.currentTarget) }, 'Acknowledge') : null,
      a.state === 'firing'
        ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Resolve ${a.rule}`, onclick: e => act(a, 'resolve', e.currentTarget) }, 'Resolve') : null,
      a.state !== 'resolved'
        ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Silence ${a.rule}`, onclick: () => silence(a) }, 'Silence…') : null) },
  ], sorted, { empty: 'No alerts are pending, firing or recently resolved.' });
}

function ruleTable(rules) {
  return table([
    { title: 'Rule', cell: r => [h('strong', {}, r.name), h('div', { class: 'muted' }, `${r.group} · ${r.source} · every ${r.interval}`)] },
    { title: 'Metric', cell: r => `${r.metric.name}${r.metric.score ? ` (${r.metric.score})` : ''} over ${r.metric.window}` },
    { title: 'Condition', class: 'optional', cell: r => condition(r.condition) },
    { title: 'Series: value vs threshold', cell: r => r.series.length
      ? h('ul', {}, r.series.map(s => h('li', {},
        Object.keys(s.labels).length ? h('code', {}, Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(' ')) : 'all',
        ': ', fmt(s.value), ' vs ', fmt(s.threshold), ' ', badge(s.holds ? 'breaching' : 'ok', s.holds ? 'firing' : 'ok'))))
      : h('span', { class: 'muted' }, r.lastError ? `error: ${r.lastError}` : 'no data in the window') },
  ], rules, { empty: 'No rules.' });
}

function condition(c) {
  if (!c) return '';
  if (c.kind === 'threshold') return `${c.op} ${c.value}`;
  if (c.kind === 'wilson') return `wilson > ${c.threshold} (n ≥ ${c.minSamples})`;
  if (c.kind === 'baseline_ratio') return `> ${c.factor}× baseline of ${c.baselineDays} d`;
  return c.kind;
}

function fmt(value) {
  if (value === null || value === undefined) return '–';
  return Math.abs(value) >= 100 ? value.toFixed(0) : Number(value.toPrecision(3)).toString();
}

function silenceSection(notice, reload) {
  const matchers = h('textarea', { id: 'silence-matchers', rows: 3, required: true, 'aria-describedby': 'silence-help', placeholder: 'alertname="cost_spike"\nproject="default"' });
  const duration = h('select', { id: 'silence-duration' }, ['1h', '4h', '12h', '1d', '7d'].map(d => h('option', { value: d }, d)));
  const comment = h('input', { id: 'silence-comment', required: true, maxlength: 2000 });
  const section = h('section', { class: 'panel', 'aria-labelledby': 'silence-title' },
    h('h2', { id: 'silence-title' }, 'Create a silence'),
    h('form', { class: 'toolbar', onsubmit: async event => {
      event.preventDefault();
      const lines = matchers.value.split('\n').map(l => l.trim()).filter(Boolean);
      try {
        await api('/api/silences', { method: 'POST', body: {
          matchers: lines, duration: duration.value, comment: comment.value.trim(),
          createdBy: document.getElementById('oncall-name')?.value.trim() || null,
        } });
        notice.textContent = `Silence created for ${duration.value}.`;
        comment.value = '';
        await reload();
      } catch (error) {
        notice.textContent = `Could not create the silence: ${error.message}`;
      }
    } },
    h('div', { class: 'field' }, h('label', { for: 'silence-matchers' }, 'Matchers (one per line)'), matchers,
      h('span', { id: 'silence-help', class: 'muted' }, 'e.g. alertname="cost_spike", severity=~"warning|info"')),
    h('div', { class: 'field' }, h('label', { for: 'silence-duration' }, 'Duration'), duration),
    h('div', { class: 'field' }, h('label', { for: 'silence-comment' }, 'Comment (required)'), comment),
    h('button', { type: 'submit' }, 'Create silence')));
  const prefill = alert => {
    const lines = [`alertname="${alert.rule}"`];
    if (alert.projectId) lines.push(`project="${alert.projectId}"`);
    matchers.value = lines.join('\n');
    comment.focus();
  };
  return { section, prefill };
}
