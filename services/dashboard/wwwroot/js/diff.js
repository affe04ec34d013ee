/**
 * A line diff (longest common subsequence): [{ kind: 'same' | 'del' | 'add', text }]. Prompt versions are short, so the
 * quadratic table is fine; past 2,000 lines a side it falls back to "all removed, all added" rather than stall the tab.
 */
export function lineDiff(before, after) {
  const n = before.length, m = after.length;
  if (n * m > 4_000_000)
    return [...before.map(text => ({ kind: 'del', text })), ...after.map(text => ({ kind: 'add', text }))];
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) { out.push({ kind: 'same', text: before[i] }); i++; j++; }
    else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ kind: 'del', text: before[i++] });
    else out.push({ kind: 'add', text: after[j++] });
  }
  while (i < n) out.push({ kind: 'del', text: before[i++] });
  while (j < m) out.push({ kind: 'add', text: after[j++] });
  return out;
}
