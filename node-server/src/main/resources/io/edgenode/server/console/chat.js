// The chat page: the session list, opening and creating sessions, the session's WebSocket client
// (live turns from every tab, presence, state, Stop) and the HTTP/SSE fallback when the socket is
// not available. The turn views themselves are transcript.js's.

import { ApiError, api, apiKey, authHeaders, clearError, errorFromBody, pathSegments, showError } from './api.js';
import { $, ago, el } from './dom.js';
import {
  failTurn, finishTurn, mergeHistory, renumber, scrollDown, setInputs, setRunning, turnView, turns,
} from './transcript.js';

let models = [];
let session = null;        // the open session (GET /v1/sessions/{id}) or null
let live = null;           // {ws, id, open, closedByUs, retries}
let reconnectTimer = null;
let httpTurn = null;       // {controller, requestId, view}: a turn sent over HTTP and still streaming
let runningTurn = null;    // the turn number the server says is running (WebSocket), or null
let refSeq = 0;
let openSeq = 0;           // guards against an older open() finishing after a newer one

// Embedding models cannot chat; /v1/models does not say which they are, so go by the name.
const EMBEDDING_NAME = /(^|[-_/.])(embed|embedding|embeddings|minilm|bge|e5|gte|nomic-embed)([-_/.]|$)|text-embedding/i;

async function loadModels() {
  const select = $('model-select');
  try {
    const list = await api('GET', '/v1/models');
    models = (list.data || []).filter((m) => !EMBEDDING_NAME.test(m.id));
    const keep = select.value;
    select.replaceChildren(...models.map((m) => el('option', {
      value: m.id, text: m.id + (m.status && m.status !== 'loaded' ? ' (' + m.status + ')' : ''),
    })));
    if (keep && models.some((m) => m.id === keep)) select.value = keep;
    if (!models.length) select.append(el('option', { value: '', text: 'no chat model' }));
  } catch (e) {
    showError('Listing models', e);
  }
}

async function loadSessions() {
  const list = $('session-list');
  try {
    const page = await api('GET', '/v1/sessions?limit=50');
    const items = (page.data || []).slice().sort((a, b) => (b.updated_at || 0) - (a.updated_at || 0));
    list.replaceChildren(...items.map((s) => el('li', null, el('a', {
      href: '#/chat/' + encodeURIComponent(s.id),
      class: session && session.id === s.id ? 'active' : '',
      'data-session': s.id,
    },
    el('span', { class: 'sid', text: s.id }),
    el('span', { class: 'meta', text: s.model + ' \u00b7 ' + s.turn_count + ' turn' + (s.turn_count === 1 ? '' : 's')
      + ' \u00b7 ' + ago(s.updated_at) })))));
    if (!items.length) list.append(el('li', { class: 'muted', text: 'No sessions yet.' }));
  } catch (e) {
    showError('Listing sessions', e);
  }
}

async function create() {
  const model = $('model-select').value;
  const body = model ? { model } : {};
  $('new-session').disabled = true;
  try {
    const s = await api('POST', '/v1/sessions', body);
    location.hash = '#/chat/' + encodeURIComponent(s.id);
  } catch (e) {
    showError('Creating a session', e);
  } finally {
    $('new-session').disabled = false;
  }
}

export function enter(id) {
  if (!models.length) loadModels();
  loadSessions();
  if ((session && session.id) === id && id) return;
  if (!id) { close(); return; }
  open(id);
}

export function leave() { /* the session stays open: its live view keeps running in the background */ }

function close() {
  closeLive();
  session = null;
  turns.clear();
  runningTurn = null;
  $('transcript').replaceChildren(el('p', { class: 'empty', text: 'Create a session or pick one on the left.' }));
  $('session-title').textContent = 'No session open';
  $('session-model').textContent = '';
  $('presence').hidden = true;
  $('live-status').hidden = true;
  $('state-doc').hidden = true;
  setComposer();
  markActive();
}

async function open(id) {
  const seq = ++openSeq;
  close();
  $('session-title').textContent = id;
  document.body.dataset.session = id;
  try {
    const s = await api('GET', '/v1/sessions/' + pathSegments(id));
    if (seq !== openSeq) return;
    session = s;
    $('session-model').textContent = s.model || '';
    $('transcript').replaceChildren();
    mergeHistory(s.turns || []);
    markActive();
    setComposer();
    connectLive(id);
  } catch (e) {
    if (seq !== openSeq) return;
    session = null;
    $('transcript').replaceChildren(el('p', { class: 'empty', text: 'Cannot open this session.' }));
    showError('Opening session ' + id, e);
  }
}

function markActive() {
  for (const a of document.querySelectorAll('#session-list a')) {
    a.classList.toggle('active', !!session && a.dataset.session === session.id);
  }
}


function anyRunning() {
  return httpTurn !== null || runningTurn !== null;
}

function setComposer() {
  const ready = !!session;
  $('message').disabled = !ready;
  $('send').disabled = !ready || anyRunning();
  $('stop').hidden = !anyRunning();
}

// --- live: the session's WebSocket

function setLive(text, cls) {
  const s = $('live-status');
  s.hidden = false;
  s.textContent = text;
  s.className = 'pill' + (cls ? ' ' + cls : '');
  document.body.dataset.live = cls === 'ok' ? 'ws' : (cls === 'warn' ? 'http' : 'connecting');
}

function connectLive(id) {
  closeLive();
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let url = proto + '//' + location.host + '/v1/sessions/' + pathSegments(id) + '/ws';
  const key = apiKey();
  if (key) url += '?api_key=' + encodeURIComponent(key); // browsers cannot set headers on a WebSocket
  let ws;
  try {
    ws = new WebSocket(url);
  } catch (e) {
    setLive('HTTP only', 'warn');
    return;
  }
  const me = { ws, id, open: false, closedByUs: false, retries: live ? live.retries : 0 };
  live = me;
  setLive('connecting\u2026');
  ws.onopen = () => {
    me.open = true;
    me.retries = 0;
    setLive('live', 'ok');
  };
  ws.onmessage = (ev) => {
    let msg;
    try { msg = JSON.parse(ev.data); } catch (e) { showError('Live session', new Error('bad frame: ' + ev.data)); return; }
    if (live === me) onLive(msg);
  };
  ws.onclose = (ev) => {
    if (live !== me || me.closedByUs) return;
    if (!me.open) {
      // Never opened: no WebSocket on this node (or refused). Turns go over HTTP instead.
      setLive('HTTP only (no live updates)', 'warn');
      if (ev.code === 1008 || ev.code === 4401 || ev.code === 4403) {
        showError('Live session', new Error('the node refused the WebSocket (' + ev.code + (ev.reason ? ' ' + ev.reason : '') + ')'));
      }
      live = { ws: null, id, open: false, closedByUs: false, retries: me.retries, unavailable: true };
      runningTurn = null;
      setComposer();
      return;
    }
    me.open = false;
    runningTurn = null;
    setComposer();
    if (ev.code !== 1000) setLive('reconnecting\u2026', 'warn');
    const delay = Math.min(10000, 500 * Math.pow(2, me.retries++));
    reconnectTimer = setTimeout(() => {
      if (session && session.id === id) connectLive(id);
    }, delay);
  };
}

function closeLive() {
  if (reconnectTimer) { clearTimeout(reconnectTimer); reconnectTimer = null; }
  if (live && live.ws) {
    live.closedByUs = true;
    try { live.ws.close(1000); } catch (e) { /* already closed */ }
  }
  live = null;
}

function liveOpen() {
  return !!(live && live.open && live.ws && live.ws.readyState === WebSocket.OPEN);
}

function onLive(msg) {
  switch (msg.type) {
    case 'hello': {
      presence(msg.clients);
      runningTurn = msg.running_turn ?? null;
      if (runningTurn !== null) setRunning(turnView(runningTurn), true);
      if (msg.state) showState(msg.state.version, msg.state.state);
      // Turns that finished between our GET and this hello: fetch the history again.
      const shown = [...turns.values()].filter((v) => v.fromHistory).length;
      if (typeof msg.turn_count === 'number' && msg.turn_count > shown) refreshHistory();
      setComposer();
      break;
    }
    case 'turn.started': {
      if (httpTurn && msg.request_id && msg.request_id === httpTurn.requestId) {
        // Our own HTTP turn, echoed: give the local view its number, keep feeding it from the HTTP stream.
        renumber(httpTurn.view, msg.turn);
        break;
      }
      const v = turnView(msg.turn);
      setInputs(v, msg.messages);
      v.text.textContent = '';
      v.lastSeq = -1;
      v.deltas = 0;
      v.done = false;
      v.failed = false;
      v.root.classList.remove('failed');
      v.meta.textContent = msg.source ? 'sent over ' + msg.source : '';
      runningTurn = msg.turn;
      setRunning(v, true);
      setComposer();
      scrollDown(true);
      break;
    }
    case 'turn.delta': {
      if (httpTurn && httpTurn.view.key === msg.turn) break; // fed by the HTTP stream
      const v = turnView(msg.turn);
      const seq = Number(String(msg.event_id || '').split(':')[1]);
      if (!Number.isNaN(seq)) {
        if (seq <= v.lastSeq) break; // already shown (a replay after reconnecting)
        v.lastSeq = seq;
      }
      const c = msg.chunk && msg.chunk.choices && msg.chunk.choices[0];
      const text = c && c.delta && c.delta.content;
      if (text) {
        v.text.textContent += text;
        v.deltas++;
        v.root.dataset.deltas = String(v.deltas);
      }
      if (!v.done) setRunning(v, true);
      scrollDown(false);
      break;
    }
    case 'turn.finished': {
      if (httpTurn && httpTurn.view.key === msg.turn) break;
      const v = turnView(msg.turn);
      v.fromHistory = true;
      finishTurn(v, msg.finish_reason, msg.usage);
      if (runningTurn === msg.turn) runningTurn = null;
      setComposer();
      loadSessions();
      break;
    }
    case 'turn.failed': {
      if (httpTurn && httpTurn.view.key === msg.turn) break;
      failTurn(turnView(msg.turn), msg.error);
      if (runningTurn === msg.turn) runningTurn = null;
      setComposer();
      break;
    }
    case 'state':
      showState(msg.version, msg.state);
      break;
    case 'presence':
      presence(msg.clients);
      break;
    case 'error':
      showError('The node refused ' + (msg.ref !== undefined ? 'message ' + msg.ref : 'a message'),
        new ApiError(msg.error && msg.error.status, msg.error));
      break;
    default:
      break; // newer server message types are ignored
  }
}

async function refreshHistory() {
  if (!session) return;
  const id = session.id;
  try {
    const s = await api('GET', '/v1/sessions/' + pathSegments(id));
    if (session && session.id === id) mergeHistory(s.turns || []);
  } catch (e) {
    showError('Reloading session ' + id, e);
  }
}

function presence(n) {
  const p = $('presence');
  p.hidden = false;
  p.textContent = n + (n === 1 ? ' tab' : ' tabs') + ' open';
  document.body.dataset.clients = String(n);
}

function showState(version, doc) {
  const d = $('state-doc');
  if (doc && Object.keys(doc).length) {
    d.hidden = false;
    d.textContent = 'state v' + version + ': ' + JSON.stringify(doc);
  } else {
    d.hidden = true;
  }
}

// --- sending

async function send() {
  if (!session || anyRunning()) return;
  const input = $('message');
  const content = input.value;
  if (!content.trim()) return;
  const maxTokens = parseInt($('max-tokens').value, 10);
  const messages = [{ role: 'user', content }];
  input.value = '';
  clearError();
  if (liveOpen()) {
    const ref = ++refSeq;
    const msg = { type: 'turn', ref, messages };
    if (maxTokens > 0) msg.max_tokens = maxTokens;
    live.ws.send(JSON.stringify(msg));
    return; // rendered from turn.started and its deltas, like another tab's turn
  }
  await sendHttp(messages, maxTokens);
}

function randomId() {
  const a = new Uint8Array(8);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The fallback: one turn as a streamed chat completion on the session. */
async function sendHttp(messages, maxTokens) {
  const requestId = 'console-' + randomId();
  const v = turnView('local-' + requestId);
  setInputs(v, messages);
  setRunning(v, true);
  v.meta.textContent = 'sent over http';
  const controller = new AbortController();
  httpTurn = { controller, requestId, view: v };
  setComposer();
  scrollDown(true);
  const body = {
    model: session.model, session_id: session.id, messages, stream: true,
    stream_options: { include_usage: true },
  };
  if (maxTokens > 0) body.max_tokens = maxTokens;
  let finishReason = null;
  let usage = null;
  try {
    const res = await fetch('/v1/chat/completions', {
      method: 'POST', signal: controller.signal, cache: 'no-store',
      headers: authHeaders({ 'Content-Type': 'application/json', 'Accept': 'text/event-stream', 'X-Request-Id': requestId }),
      body: JSON.stringify(body),
    });
    if (!res.ok) throw errorFromBody(res.status, await res.text());
    const turnHeader = res.headers.get('X-Session-Turn');
    if (turnHeader !== null && !turns.has(Number(turnHeader))) renumber(v, Number(turnHeader));
    await readSse(res.body, (data) => {
      const j = JSON.parse(data);
      if (j.error) throw new ApiError(j.error.status || 0, j.error);
      const c = j.choices && j.choices[0];
      if (c) {
        const text = c.delta && c.delta.content;
        if (text) {
          v.text.textContent += text;
          v.deltas++;
          v.root.dataset.deltas = String(v.deltas);
          scrollDown(false);
        }
        if (c.finish_reason) finishReason = c.finish_reason;
      }
      if (j.usage) usage = j.usage;
    });
    v.fromHistory = true;
    finishTurn(v, finishReason, usage);
  } catch (e) {
    if (e && e.name === 'AbortError') failTurn(v, { message: 'stopped' });
    else { failTurn(v, e); showError('Sending the turn', e); }
  } finally {
    httpTurn = null;
    setComposer();
    loadSessions();
  }
}

/** Calls onData with each SSE event's data until [DONE] or the end of the stream. */
async function readSse(stream, onData) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let cut;
    while ((cut = buf.search(/\r?\n\r?\n/)) >= 0) {
      const event = buf.slice(0, cut);
      buf = buf.slice(cut).replace(/^\r?\n\r?\n/, '');
      const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (!data) continue;
      if (data === '[DONE]') { reader.cancel().catch(() => {}); return; }
      onData(data);
    }
  }
}

function stop() {
  if (httpTurn) { httpTurn.controller.abort(); return; }
  if (liveOpen()) live.ws.send(JSON.stringify({ type: 'cancel' }));
}

export function init() {
  $('new-session').addEventListener('click', create);
  $('sessions-refresh').addEventListener('click', () => { loadSessions(); loadModels(); });
  $('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
  $('message').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); }
  });
  $('stop').addEventListener('click', stop);
}

/** Opens the session's WebSocket again (after the API key changed: it authenticates when it connects). */
export function reconnect() {
  if (session) connectLive(session.id);
}

/** Forgets the model list, so that the next enter() lists the models again. */
export function reload() {
  models = [];
}
