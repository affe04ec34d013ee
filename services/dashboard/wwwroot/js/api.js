// Every API call goes to a relative /api path on this host (the embedded platform serves the APIs itself; the
// dashboard service forwards them). The key lives in sessionStorage only and travels as a Bearer header.
const KeyName = 'llmops.key';

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

export const session = {
  get key() { return sessionStorage.getItem(KeyName); },
  set key(value) { if (value) sessionStorage.setItem(KeyName, value); else sessionStorage.removeItem(KeyName); },
};

let onUnauthorized = () => {};
export function whenUnauthorized(handler) { onUnauthorized = handler; }

export async function api(path, { method = 'GET', body, key = session.key, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (response.status === 401) {
    onUnauthorized();
    throw new ApiError(401, 'The key was not accepted.');
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const detail = data?.detail ?? data?.title ?? data?.error?.message
      ?? (data?.errors ? Object.values(data.errors).flat().join(' ') : null) ?? response.statusText;
    throw new ApiError(response.status, `${response.status}: ${detail}`);
  }
  return data;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach(v => search.append(name, v));
    else if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
