// Access to the node's API: the API key (localStorage and the header's key form), authenticated
// fetch, the node's errors in OpenAI's shape, and the banner that reports them (errors are never
// swallowed).

import { $ } from './dom.js';

const KEY_STORAGE = 'edgenode.apiKey';

// ---------------------------------------------------------------- API access

export function apiKey() {
  try { return localStorage.getItem(KEY_STORAGE) || ''; } catch (e) { return ''; }
}

export function authHeaders(extra) {
  const h = Object.assign({}, extra || {});
  const key = apiKey();
  if (key) h['Authorization'] = 'Bearer ' + key;
  return h;
}

/** An error answer of the node, in OpenAI's shape {"error":{"message","type","param","code"}}. */
export class ApiError extends Error {
  constructor(status, error) {
    const message = (error && error.message) || ('HTTP ' + status);
    super(message);
    this.status = status;
    this.type = error && error.type;
    this.code = error && error.code;
    this.param = error && error.param;
  }
  describe() {
    let s = this.status ? this.status + ' ' : '';
    if (this.code) s += this.code + ': ';
    else if (this.type) s += this.type + ': ';
    return s + this.message;
  }
}

export function errorFromBody(status, text) {
  try {
    const j = JSON.parse(text);
    if (j && j.error) return new ApiError(status, typeof j.error === 'string' ? { message: j.error } : j.error);
  } catch (e) { /* not JSON: show the text itself */ }
  return new ApiError(status, { message: (text || '').trim().slice(0, 500) || 'HTTP ' + status });
}

export function describe(err) {
  if (err instanceof ApiError) return err.describe();
  return (err && err.message) ? err.message : String(err);
}

export async function request(method, path, body, accept) {
  const headers = authHeaders(body === undefined ? {} : { 'Content-Type': 'application/json' });
  if (accept) headers['Accept'] = accept;
  let res;
  try {
    res = await fetch(path, {
      method, headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, { message: 'cannot reach the node (' + describe(e) + ')' });
  }
  const text = await res.text();
  if (!res.ok) throw errorFromBody(res.status, text);
  return text;
}

export async function api(method, path, body) {
  const text = await request(method, path, body);
  return text ? JSON.parse(text) : null;
}

export function pathSegments(id) {
  return String(id).split('/').map(encodeURIComponent).join('/');
}

// ---------------------------------------------------------------- banner

export function showError(context, err) {
  const text = (context ? context + ': ' : '') + describe(err);
  $('banner-text').textContent = text;
  $('banner').hidden = false;
  if (window.console) console.warn(text, err); // the banner is the report; console.error is left for bugs
}

export function clearError() {
  $('banner').hidden = true;
  $('banner-text').textContent = '';
}

// ---------------------------------------------------------------- the key form

/** Wires the key form in the header; onSaved runs after a key is saved or cleared. */
export function initKey(onSaved) {
  const input = $('api-key');
  input.value = apiKey();
  const showState = () => { $('key-state').textContent = apiKey() ? 'key set' : ''; };
  showState();
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      if (input.value.trim()) localStorage.setItem(KEY_STORAGE, input.value.trim());
      else localStorage.removeItem(KEY_STORAGE);
    } catch (err) {
      showError('Saving the key', err);
    }
    showState();
    clearError();
    onSaved();
  });
}
