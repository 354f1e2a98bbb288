// jobrtd's HTTP API as the page calls it: the token (kept in this tab's
// sessionStorage, never in a URL), JSON in and out, and every refusal as a
// Problem carrying the server's problem+json (docs/http-api.md).

const TOKEN_KEY = 'jobrtd.token';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export function authHeaders() {
  const t = token();
  return t ? { Authorization: `Bearer ${t}` } : {};
}

export class Problem extends Error {
  constructor(status, problem) {
    super(describeProblem(status, problem));
    this.status = status;
    this.problem = problem;
  }
}

function describeProblem(status, p) {
  const code = p.code ?? p.title ?? 'error';
  const about = [p.field && `field ${p.field}`, p.id && `job ${p.id}`].filter(Boolean);
  return `${status} ${code}: ${p.detail ?? ''}${about.length ? ` (${about.join(', ')})` : ''}`;
}

// Called with every 401, so the page can ask for a token again.
let onUnauthorized = () => {};
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export async function request(method, path, body) {
  const init = { method, headers: { ...authHeaders() }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('Content-Type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (res.ok) return data;
  const problem = typeof data === 'object' ? data : { title: res.statusText, detail: data };
  if (res.status === 401) onUnauthorized();
  throw new Problem(res.status, problem);
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body);
export const remove = (path) => request('DELETE', path);

// The query string of a filter, leaving out empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
