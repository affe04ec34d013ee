import { api, query } from '../api.js';
import { h, table, badge, errorBox } from '../dom.js';
import { count, money, time, ago } from '../format.js';
import { lineDiff } from '../diff.js';
import { evidenceList } from './loop.js';

// Cost per version comes from the cost-accountant's per-minute rollups, keyed "name#version"; 30 days is what the
// page asks for, so a version's spend is recent spend.
const CostDays = 30;

export async function promptsPage(container) {
  const list = h('section', { class: 'panel', 'aria-labelledby': 'prompts-title', 'aria-busy': 'true' },
    h('h2', { id: 'prompts-title' }, 'Prompts'));
  container.append(h('h1', {}, 'Prompts'), list);
  try {
    const prompts = await api('/api/prompts');
    list.append(table([
      { title: 'Prompt', cell: p => h('a', { href: `/prompts/${encodeURIComponent(p.name)}`, 'data-link': true }, p.name) },
      { title: 'Latest version', class: 'num', cell: p => p.latestVersion },
      { title: 'Labels', cell: p => Object.entries(p.labels ?? {}).map(([label, target]) => [badge(`${label} → ${targetText(target)}`, 'label'), ' ']) },
      { title: 'Policy', class: 'optional', cell: p => p.policy },
    ], prompts.data, { empty: 'No prompts yet: create one with POST /api/prompts/{name}/versions.' }));
  } catch (error) {
    list.append(errorBox(error));
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

export async function promptPage(container, name) {
  const notice = h('p', { role: 'status', class: 'muted', id: 'prompt-status' });
  container.append(h('p', {}, h('a', { href: '/prompts', 'data-link': true }, '← All prompts')), h('h1', { id: 'prompt-name' }, name), notice);
  const path = `/api/prompts/${encodeURIComponent(name)}`;
  let prompt;
  try {
    prompt = await api(path);
  } catch (error) {
    container.append(errorBox(error));
    return;
  }
  const to = new Date();
  const from = new Date(to.getTime() - CostDays * 86400_000);
  const [costs, usage, history, pending, loopActions] = await Promise.all([
    api(`/api/costs${query({ from: from.toISOString(), to: to.toISOString(), groupBy: 'prompt' })}`).catch(e => e),
    api(`/api/prompt-stats${query({ name, from: from.toISOString(), to: to.toISOString() })}`).catch(e => e),
    api(`${path}/history`).catch(e => e),
    api(`${path}/pending-actions`).catch(e => e),
    api(`/api/actions${query({ path: 'prompt', limit: 200 })}`).catch(e => e),
  ]);

  const versionsPanel = h('section', { class: 'panel', 'aria-labelledby': 'versions-title' }, h('h2', { id: 'versions-title' }, 'Versions'));
  const costByVersion = new Map();
  if (!(costs instanceof Error))
    for (const row of costs.data) {
      const [promptName, version] = (row.group.prompt ?? '').split('#');
      if (promptName === name) costByVersion.set(Number(version), row.totals);
    }
  // Scores per version from the trace-collector: the numeric scores of the traces that used it.
  const usageByVersion = new Map(usage instanceof Error ? [] : usage.data.map(v => [v.version, v]));
  const scoresOf = version => {
    const scores = usageByVersion.get(version)?.scores ?? [];
    if (!scores.length) return h('span', { class: 'muted' }, 'no scores');
    return h('ul', { class: 'scores' }, ...scores.map(s => h('li', {}, `${s.name} ${s.mean.toFixed(2)} `, h('span', { class: 'muted' }, `(n = ${count(s.count)})`))));
  };
  const labelsOf = version => Object.entries(prompt.labels).filter(([, t]) => t.version === version || t.split?.some(p => p.version === version))
    .map(([label, t]) => [badge(t.split ? `${label} (${t.split.find(p => p.version === version).weight} %)` : label, 'label'), ' ']);
  versionsPanel.append(
    table([
      { title: 'Version', class: 'num', cell: v => `v${v.version}` },
      { title: 'Labels', cell: v => labelsOf(v.version) },
      { title: 'Commit message', cell: v => v.commitMessage ?? '' },
      { title: 'Model', class: 'optional', cell: v => v.model ?? '–' },
      { title: 'Author', class: 'optional', cell: v => v.author },
      { title: 'Created', class: 'optional', cell: v => h('span', { title: time(v.createdAt) }, ago(v.createdAt)) },
      { title: `Requests (${CostDays} d)`, class: 'num', cell: v => count(costByVersion.get(v.version)?.requests ?? 0) },
      { title: `Cost (${CostDays} d)`, class: 'num', cell: v => costByVersion.has(v.version) ? money(costByVersion.get(v.version).cost) : '$0' },
      { title: `Errors (${CostDays} d)`, class: 'num optional', cell: v => count(usageByVersion.get(v.version)?.errors ?? 0) },
      { title: `Score means (${CostDays} d)`, cell: v => scoresOf(v.version) },
    ], [...prompt.versions].reverse()),
    ...(costs instanceof Error ? [errorBox(costs)] : []),
    ...(usage instanceof Error ? [errorBox(usage)] : []),
    h('p', { class: 'muted' }, `Policy: ${prompt.policy} (a rollback the loop asks for is ${prompt.policy === 'auto' ? 'applied at once' : 'held for approval below'}).`));

  container.append(
    pendingSection(name, path, pending, loopActions, notice, () => reload()),
    versionsPanel,
    diffSection(path, prompt.versions),
    historySection(history));

  function reload() { container.replaceChildren(); return promptPage(container, name); }
}

function pendingSection(name, path, pending, loopActions, notice, reload) {
  const section = h('section', { class: 'panel', 'aria-labelledby': 'pending-title' }, h('h2', { id: 'pending-title' }, 'Pending rollbacks'));
  if (pending instanceof Error) { section.append(errorBox(pending)); return section; }
  // The evaluator keeps the same action (same id) with its evidence and its own status; approving here moves the label
  // and the loop's copy is marked resolved so the Loop page agrees.
  const byId = new Map(loopActions instanceof Error ? [] : loopActions.data.map(a => [a.id, a]));
  const reasonInput = h('input', { id: 'decision-reason', maxlength: 2000 });
  async function decide(action, decision, button) {
    const reason = reasonInput.value.trim();
    button.disabled = true;
    try {
      await api(`${path}/pending-actions/${action.actionId}/${decision}`, { method: 'POST', body: { reason: reason || null } });
      const loop = byId.get(action.actionId);
      if (loop && loop.status !== 'resolved' && loop.status !== 'dismissed')
        await api(`/api/actions/${loop.id}/${decision === 'approve' ? 'resolve' : 'dismiss'}`, { method: 'POST', body: { note: `${decision}d on the Prompts page${reason ? `: ${reason}` : ''}` } })
          .catch(() => null);
      await reload();
      document.getElementById('prompt-status').textContent = `Rollback of ${action.label} to v${action.toVersion}: ${decision}d.`;
    } catch (error) {
      notice.textContent = `Could not ${decision}: ${error.message}`;
      button.disabled = false;
    }
  }
  if (pending.data.length)
    section.append(h('div', { class: 'toolbar' }, h('div', { class: 'field' }, h('label', { for: 'decision-reason' }, 'Reason (optional, recorded with the decision)'), reasonInput)));
  section.append(table([
    { title: 'Label', cell: a => h('strong', {}, a.label) },
    { title: 'Move', cell: a => `v${a.fromVersion} → v${a.toVersion}` },
    { title: 'Reason', cell: a => a.reason },
    { title: 'Evidence', class: 'optional', cell: a => evidenceList(a.evidence) },
    { title: 'Asked', cell: a => h('span', { title: time(a.createdAt) }, ago(a.createdAt)) },
    { title: 'Decision', cell: a => h('div', { class: 'row-actions' },
      h('button', { type: 'button', 'aria-label': `Approve rollback of ${a.label} to v${a.toVersion}`, onclick: e => decide(a, 'approve', e.currentTarget) }, 'Approve'),
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Reject rollback of ${a.label} to v${a.toVersion}`, onclick: e => decide(a, 'reject', e.currentTarget) }, 'Reject')) },
  ], pending.data, { empty: `No rollback of ${name} is waiting for approval.` }));
  return section;
}

function diffSection(path, versions) {
  const numbers = versions.map(v => v.version);
  const pick = (id, selected) => h('select', { id }, numbers.map(n => h('option', { value: n, selected: n === selected }, `v${n}`)));
  const left = pick('diff-from', numbers.at(-2) ?? numbers[0]);
  const right = pick('diff-to', numbers.at(-1));
  const output = h('div', { id: 'diff-output', 'aria-live': 'polite' });
  const cache = new Map();
  const load = version => cache.get(version) ?? cache.set(version, api(`${path}/versions/${version}`)).get(version);
  async function show() {
    try {
      const [a, b] = await Promise.all([load(left.value), load(right.value)]);
      const lines = lineDiff(render(a), render(b));
      const changed = lines.filter(l => l.kind !== 'same').length;
      output.replaceChildren(
        h('p', { class: 'muted' }, changed ? `${changed} line(s) differ between v${a.version} and v${b.version}.` : `v${a.version} and v${b.version} are the same.`),
        h('pre', { class: 'diff', 'aria-label': `Diff of v${a.version} and v${b.version}` },
          lines.map(l => h('span', { class: `d-${l.kind}` }, `${l.kind === 'add' ? '+ ' : l.kind === 'del' ? '- ' : '  '}${l.text}`))));
    } catch (error) {
      output.replaceChildren(errorBox(error));
    }
  }
  left.addEventListener('change', show);
  right.addEventListener('change', show);
  const section = h('section', { class: 'panel', 'aria-labelledby': 'diff-title' }, h('h2', { id: 'diff-title' }, 'Compare versions'),
    h('div', { class: 'toolbar' },
      h('div', { class: 'field' }, h('label', { for: 'diff-from' }, 'From'), left),
      h('div', { class: 'field' }, h('label', { for: 'diff-to' }, 'To'), right)),
    output);
  show();
  return section;
}

// What a version is, as text a person compares: its messages, then the model and parameters.
function render(version) {
  const lines = [];
  for (const m of version.messages) {
    lines.push(`[${m.role}]`, ...m.content.split('\n'));
  }
  if (version.model) lines.push(`model: ${version.model}`);
  if (version.parameters) lines.push(`parameters: ${JSON.stringify(version.parameters)}`);
  if (version.responseSchema) lines.push(`responseSchema: ${JSON.stringify(version.responseSchema)}`);
  return lines;
}

function historySection(history) {
  const section = h('section', { class: 'panel', 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'Label moves'));
  if (history instanceof Error) { section.append(errorBox(history)); return section; }
  section.append(table([
    { title: 'When', cell: e => h('span', { title: time(e.at) }, ago(e.at)) },
    { title: 'Label', cell: e => h('strong', {}, e.label) },
    { title: 'Move', cell: e => `${e.from ? targetText(e.from) : 'new'} → ${targetText(e.to)}` },
    { title: 'By', cell: e => e.actor },
    { title: 'Reason', class: 'optional', cell: e => [e.reason ?? '', e.actionId ? [' ', badge('loop action')] : null] },
  ], history.data, { empty: 'No label has moved yet.' }));
  return section;
}

function targetText(target) {
  if (!target) return '–';
  if (target.version !== null && target.version !== undefined) return `v${target.version}`;
  return (target.split ?? []).map(p => `v${p.version} ${p.weight} %`).join(' / ');
}
