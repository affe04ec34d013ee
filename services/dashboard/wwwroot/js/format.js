export function money(value) {
  if (value === null || value === undefined) return 'unpriced';
  const digits = Math.abs(value) >= 1 ? 2 : Math.abs(value) >= 0.01 ? 4 : 6;
  return `$${Number(value).toFixed(digits)}`;
}
export function count(value) { return value === null || value === undefined ? '–' : Number(value).toLocaleString('en-US'); }
export function ms(value) {
  if (value === null || value === undefined) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}
export function percent(value) { return value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)} %`; }
export function time(value) {
  if (!value) return '–';
  return new Date(value).toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
export function ago(value) {
  if (!value) return '–';
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}
export function text(value) {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
