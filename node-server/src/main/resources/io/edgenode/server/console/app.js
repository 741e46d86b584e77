// Edgenode console: chat on sessions, models, live metrics. Plain browser JavaScript, no build
// step, no third-party code, nothing fetched from outside the node (the page's CSP forbids it).
// Routes: #/chat, #/chat/<sessionId>, #/models, #/metrics.
// Past 800 lines on purpose, for one file to serve while the console settles; the split is along
// its sections: api.js (fetch, errors, banner), chat.js, models.js, metrics.js (Prometheus parser
// and charts), as ES modules (CSP 'self' allows them), each added to ConsoleFiles' fixed list.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const KEY_STORAGE = 'edgenode.apiKey';
  const METRICS_INTERVAL_MS = 2000;
  const METRICS_WINDOW_MS = 5 * 60 * 1000;

  // ---------------------------------------------------------------- API access

  function apiKey() {
    try { return localStorage.getItem(KEY_STORAGE) || ''; } catch (e) { return ''; }
  }

  function authHeaders(extra) {
    const h = Object.assign({}, extra || {});
    const key = apiKey();
    if (key) h['Authorization'] = 'Bearer ' + key;
    return h;
  }

  /** An error answer of the node, in OpenAI's shape {"error":{"message","type","param","code"}}. */
  class ApiError extends Error {
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

  function errorFromBody(status, text) {
    try {
      const j = JSON.parse(text);
      if (j && j.error) return new ApiError(status, typeof j.error === 'string' ? { message: j.error } : j.error);
    } catch (e) { /* not JSON: show the text itself */ }
    return new ApiError(status, { message: (text || '').trim().slice(0, 500) || 'HTTP ' + status });
  }

  function describe(err) {
    if (err instanceof ApiError) return err.describe();
    return (err && err.message) ? err.message : String(err);
  }

  async function request(method, path, body, accept) {
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

  async function api(method, path, body) {
    const text = await request(method, path, body);
    return text ? JSON.parse(text) : null;
  }

  function pathSegments(id) {
    return String(id).split('/').map(encodeURIComponent).join('/');
  }

  // ---------------------------------------------------------------- banner (errors never swallowed)

  function showError(context, err) {
    const text = (context ? context + ': ' : '') + describe(err);
    $('banner-text').textContent = text;
    $('banner').hidden = false;
    if (window.console) console.warn(text, err); // the banner is the report; console.error is left for bugs
  }

  function clearError() {
    $('banner').hidden = true;
    $('banner-text').textContent = '';
  }

  // ---------------------------------------------------------------- small DOM helpers

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (k.startsWith('data-')) e.setAttribute(k, v);
        else e[k] = v;
      }
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function ago(seconds) {
    if (!seconds) return '';
    const d = Math.max(0, Date.now() / 1000 - seconds);
    if (d < 60) return Math.round(d) + ' s ago';
    if (d < 3600) return Math.round(d / 60) + ' min ago';
    if (d < 86400) return Math.round(d / 3600) + ' h ago';
    return new Date(seconds * 1000).toLocaleDateString();
  }

  function fmt(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return '-';
    if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
    return n.toFixed(digits === undefined ? (Number.isInteger(n) ? 0 : 1) : digits);
  }

  function randomId() {
    const a = new Uint8Array(8);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---------------------------------------------------------------- routing

  let currentPage = null;

  function route() {
    const hash = location.hash || '#/chat';
    const rest = hash.replace(/^#\/?/, '');
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    const arg = slash < 0 ? '' : decodeURIComponent(rest.slice(slash + 1));
    const page = ['chat', 'models', 'metrics'].includes(name) ? name : 'chat';
    for (const p of ['chat', 'models', 'metrics']) {
      $('page-' + p).hidden = p !== page;
      document.querySelector('[data-nav="' + p + '"]').classList.toggle('active', p === page);
    }
    document.body.dataset.page = page;
    if (currentPage !== page) {
      if (currentPage === 'models') Models.leave();
      if (currentPage === 'metrics') Metrics.leave();
      currentPage = page;
      if (page === 'models') Models.enter();
      if (page === 'metrics') Metrics.enter();
    }
    if (page === 'chat') Chat.enter(arg || null);
    else Chat.leave();
  }

  // ---------------------------------------------------------------- chat

  const Chat = (() => {
    let models = [];
    let session = null;        // the open session (GET /v1/sessions/{id}) or null
    let live = null;           // {ws, id, open, closedByUs, retries}
    let reconnectTimer = null;
    const turns = new Map();   // turn number (or a local key) -> view
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

    function enter(id) {
      if (!models.length) loadModels();
      loadSessions();
      if ((session && session.id) === id && id) return;
      if (!id) { close(); return; }
      open(id);
    }

    function leave() { /* the session stays open: its live view keeps running in the background */ }

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

    // --- the transcript: one view per turn, filled from history, WebSocket events or an HTTP stream

    function turnView(key) {
      let v = turns.get(key);
      if (v) return v;
      const root = el('div', { class: 'turn', 'data-turn': String(key) });
      const inputs = el('div', { class: 'inputs' });
      const text = el('span', { class: 'text' });
      const reply = el('div', { class: 'msg assistant' }, el('span', { class: 'role', text: 'assistant' }), text);
      const meta = el('div', { class: 'turn-meta' });
      inputs.style.display = 'contents';
      root.append(inputs, reply, meta);
      v = { key, root, inputs, reply, text, meta, lastSeq: -1, deltas: 0, done: false };
      turns.set(key, v);
      placeTurn(v);
      return v;
    }

    /** Keeps turns in order of their number; local (not yet numbered) ones last. */
    function placeTurn(v) {
      const t = $('transcript');
      const empty = t.querySelector('.empty');
      if (empty) empty.remove();
      if (typeof v.key === 'number') {
        for (const child of t.children) {
          const k = Number(child.dataset.turn);
          if (!Number.isNaN(k) && k > v.key) { t.insertBefore(v.root, child); return; }
        }
      }
      t.append(v.root);
    }

    function setInputs(v, messages) {
      v.inputs.replaceChildren(...(messages || []).map((m) => {
        const role = m.role || 'user';
        let content = m.content;
        if (Array.isArray(content)) content = content.map((p) => p.text || '').join('');
        if (content === null || content === undefined) content = m.tool_calls ? JSON.stringify(m.tool_calls) : '';
        return el('div', { class: 'msg ' + role }, el('span', { class: 'role', text: role }), String(content));
      }));
    }

    function setRunning(v, running) {
      v.reply.classList.toggle('running', running);
      v.root.dataset.state = running ? 'running' : (v.failed ? 'failed' : 'finished');
    }

    function finishTurn(v, finishReason, usage) {
      v.done = true;
      setRunning(v, false);
      const parts = [];
      if (finishReason) parts.push('finish: ' + finishReason);
      if (usage) {
        parts.push((usage.prompt_tokens ?? '?') + ' prompt + ' + (usage.completion_tokens ?? '?') + ' completion tokens');
        const cached = usage.prompt_tokens_details && usage.prompt_tokens_details.cached_tokens;
        if (cached) parts.push(cached + ' cached');
      }
      v.meta.textContent = parts.join(' \u00b7 ');
    }

    function failTurn(v, error) {
      v.done = true;
      v.failed = true;
      v.root.classList.add('failed');
      setRunning(v, false);
      const e = error instanceof ApiError ? error : new ApiError(error && error.status, error);
      v.meta.textContent = 'failed: ' + e.describe();
    }

    function mergeHistory(stored) {
      for (const t of stored) {
        const v = turnView(t.index);
        if (v.done && v.fromHistory) continue;
        setInputs(v, t.messages || t.input);
        v.text.textContent = (t.reply && t.reply.content) || '';
        v.fromHistory = true;
        finishTurn(v, t.finish_reason, t.usage);
      }
      scrollDown(true);
    }

    function scrollDown(force) {
      const t = $('transcript');
      if (force || t.scrollHeight - t.scrollTop - t.clientHeight < 120) t.scrollTop = t.scrollHeight;
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

    function renumber(v, turn) {
      turns.delete(v.key);
      v.key = turn;
      v.root.dataset.turn = String(turn);
      turns.set(turn, v);
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

    function init() {
      $('new-session').addEventListener('click', create);
      $('sessions-refresh').addEventListener('click', () => { loadSessions(); loadModels(); });
      $('composer').addEventListener('submit', (e) => { e.preventDefault(); send(); });
      $('message').addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(); }
      });
      $('stop').addEventListener('click', stop);
    }

    return { init, enter, leave, reconnect: () => { if (session) connectLive(session.id); }, reload: () => { models = []; } };
  })();

  // ---------------------------------------------------------------- Prometheus text format

  /** Parses the text exposition format into [{name, labels, value}]. */
  function parsePrometheus(text) {
    const out = [];
    const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$/;
    const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    for (const raw of text.split('\n')) {
      if (!raw || raw[0] === '#') continue;
      const m = line.exec(raw);
      if (!m) continue;
      const labels = {};
      if (m[2]) {
        let l;
        label.lastIndex = 0;
        while ((l = label.exec(m[2])) !== null) {
          labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        }
      }
      const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : parseFloat(m[3]);
      out.push({ name: m[1], labels, value: v });
    }
    return out;
  }

  function sum(samples, name, filter) {
    let s = 0;
    let found = false;
    for (const x of samples) {
      if (x.name === name && (!filter || filter(x.labels))) { s += x.value; found = true; }
    }
    return found ? s : null;
  }

  function byModel(samples, name) {
    const m = {};
    for (const x of samples) if (x.name === name && x.labels.model !== undefined) m[x.labels.model] = (m[x.labels.model] || 0) + x.value;
    return m;
  }

  async function scrapeMetrics() {
    return parsePrometheus(await request('GET', '/metrics', undefined, 'text/plain'));
  }

  // Metric names, as ServerMetrics and EngineCollector register them.
  const M = {
    completion: 'edgenode_completion_tokens_total',
    ttftSum: 'edgenode_time_to_first_token_seconds_sum',
    ttftCount: 'edgenode_time_to_first_token_seconds_count',
    queue: 'edgenode_queue_depth',
    active: 'edgenode_active_sequences',
    kv: 'edgenode_kv_cells_used',
    prefixReused: 'edgenode_prefix_reused_tokens_total',
  };

  // ---------------------------------------------------------------- models page

  const Models = (() => {
    let timer = null;
    const rowErrors = new Map(); // model id -> error text, shown until the next action on it
    const pending = new Set();

    async function refresh() {
      let list;
      try {
        list = await api('GET', '/v1/models');
      } catch (e) {
        showError('Listing models', e);
        return;
      }
      let metrics = null;
      let metricsError = null;
      try {
        metrics = await scrapeMetrics();
      } catch (e) {
        metricsError = e;
      }
      render(list.data || [], metrics, metricsError);
    }

    function render(models, metrics, metricsError) {
      const kv = metrics ? byModel(metrics, M.kv) : {};
      const queue = metrics ? byModel(metrics, M.queue) : {};
      const active = metrics ? byModel(metrics, M.active) : {};
      const generated = metrics ? byModel(metrics, M.completion) : {};
      const rows = models.map((m) => {
        const status = m.status || 'available';
        const statusCell = el('td', null, el('span', { class: 'status ' + status, text: status }));
        if (m.progress !== undefined && m.progress !== null && status === 'downloading') {
          const bar = el('span', { class: 'progress' }, el('span'));
          bar.firstChild.style.width = Math.round(m.progress * 100) + '%';
          statusCell.append(bar, ' ' + Math.round(m.progress * 100) + '%');
        }
        if (m.error) statusCell.append(el('div', { class: 'row-error', text: m.error }));
        const err = rowErrors.get(m.id);
        if (err) statusCell.append(el('div', { class: 'row-error', 'data-error': m.id, text: err }));
        const busy = pending.has(m.id);
        const actions = el('td', { class: 'actions' },
          el('button', {
            type: 'button', text: 'Load', disabled: busy || status === 'loaded' || status === 'loading',
            onclick: () => act(m.id, 'load'),
          }),
          el('button', {
            type: 'button', class: 'secondary', text: 'Unload', disabled: busy || status !== 'loaded',
            onclick: () => act(m.id, 'unload'),
          }));
        return el('tr', { 'data-model': m.id },
          el('td', null, el('strong', { text: m.id }), el('div', { class: 'muted', text: m.owned_by || '' })),
          statusCell,
          el('td', { class: 'num', text: fmt(kv[m.id]) }),
          el('td', { class: 'num', text: fmt(queue[m.id]) }),
          el('td', { class: 'num', text: fmt(active[m.id]) }),
          el('td', { class: 'num', text: fmt(generated[m.id]) }),
          actions);
      });
      $('models-table').tBodies[0].replaceChildren(...rows);
      if (!rows.length) $('models-table').tBodies[0].append(el('tr', null, el('td', { colSpan: 7, class: 'muted', text: 'No models configured.' })));

      const mem = $('memory');
      if (metricsError) {
        mem.replaceChildren(el('span', { class: 'row-error', text: 'Cannot read /metrics: ' + describe(metricsError) }));
        return;
      }
      const loaded = models.filter((m) => m.status === 'loaded').map((m) => m.id);
      const totalKv = Object.values(kv).reduce((a, b) => a + b, 0);
      mem.replaceChildren(
        el('div', null, 'Loaded: ' + (loaded.length ? loaded.join(', ') : 'none') + '. KV cells in use across models: ' + fmt(totalKv) + '.'),
        el('div', { class: 'muted' },
          'The node\u2019s memory budget (server.memory_budget) and what each loaded model uses are not exported in /metrics yet; '
          + 'a Load that does not fit is refused (503) with the MiB it needs, the budget and what the loaded models use, shown on its row.'));
    }

    async function act(id, action) {
      pending.add(id);
      rowErrors.delete(id);
      refresh();
      try {
        await api('POST', '/admin/models/' + pathSegments(id) + '/' + action);
      } catch (e) {
        rowErrors.set(id, action + ' failed: ' + describe(e));
        showError((action === 'load' ? 'Loading ' : 'Unloading ') + id, e);
      } finally {
        pending.delete(id);
        refresh();
      }
    }

    function enter() {
      refresh();
      timer = setInterval(refresh, METRICS_INTERVAL_MS);
    }

    function leave() {
      clearInterval(timer);
      timer = null;
    }

    function init() {
      $('models-refresh').addEventListener('click', refresh);
    }

    return { init, enter, leave };
  })();

  // ---------------------------------------------------------------- metrics page

  const Metrics = (() => {
    const SERIES = [
      { key: 'tps', digits: 1, unit: ' tok/s' },
      { key: 'ttft', digits: 1, unit: ' ms' },
      { key: 'queue', digits: 0, unit: '' },
      { key: 'kv', digits: 0, unit: ' cells' },
    ];
    const samples = []; // {t, tps, ttft, queue, kv}
    let prev = null;    // the last scrape's counters {t, completion, ttftSum, ttftCount}
    let timer = null;
    let failing = false;

    async function poll() {
      let parsed;
      try {
        parsed = await scrapeMetrics();
      } catch (e) {
        $('metrics-status').textContent = 'cannot read /metrics';
        if (!failing) showError('Reading /metrics', e); // once per failure streak, not every 2 s
        failing = true;
        return;
      }
      if (failing) clearError();
      failing = false;
      const t = Date.now();
      const now = {
        t,
        completion: sum(parsed, M.completion) ?? 0,
        ttftSum: sum(parsed, M.ttftSum) ?? 0,
        ttftCount: sum(parsed, M.ttftCount) ?? 0,
      };
      const s = { t, tps: null, ttft: null, queue: sum(parsed, M.queue) ?? 0, kv: sum(parsed, M.kv) ?? 0 };
      if (prev) {
        const dt = (t - prev.t) / 1000;
        const dTokens = now.completion - prev.completion;
        // a counter that went down was reset (a reloaded model): count from zero
        s.tps = dt > 0 ? (dTokens >= 0 ? dTokens : now.completion) / dt : null;
        const dCount = now.ttftCount - prev.ttftCount;
        const dSum = now.ttftSum - prev.ttftSum;
        s.ttft = dCount > 0 && dSum >= 0 ? (dSum / dCount) * 1000 : null; // no first token in the interval: a gap
      }
      prev = now;
      samples.push(s);
      while (samples.length && samples[0].t < t - METRICS_WINDOW_MS) samples.shift();
      $('metrics-status').textContent = 'updated ' + new Date(t).toLocaleTimeString();
      draw();
    }

    function draw() {
      for (const series of SERIES) {
        const canvas = $('chart-' + series.key);
        const last = [...samples].reverse().find((x) => x[series.key] !== null);
        $('value-' + series.key).textContent = last ? fmt(last[series.key], series.digits) + series.unit : '-';
        drawChart(canvas, samples, series.key);
      }
    }

    function enter() {
      poll();
      timer = setInterval(poll, METRICS_INTERVAL_MS);
      window.addEventListener('resize', draw);
    }

    function leave() {
      clearInterval(timer);
      timer = null;
      window.removeEventListener('resize', draw);
    }

    return { enter, leave, samples };
  })();

  /** A line chart of samples[key] over the last five minutes; null values break the line. */
  function drawChart(canvas, samples, key) {
    const dpr = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || canvas.width;
    const cssH = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cssW, cssH);
    const pad = { l: 52, r: 10, t: 8, b: 22 };
    const w = cssW - pad.l - pad.r;
    const h = cssH - pad.t - pad.b;
    const now = samples.length ? samples[samples.length - 1].t : Date.now();
    const t0 = now - METRICS_WINDOW_MS;
    const values = samples.map((s) => s[key]).filter((v) => v !== null && Number.isFinite(v));
    const top = values.length ? Math.max(...values) : 0;
    const step = niceStep(top / 4);
    const ticks = Math.max(1, Math.ceil(top / step - 1e-9));
    const max = step * ticks;
    canvas.dataset.points = String(values.length);
    canvas.dataset.max = String(top);

    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#687083';
    g.strokeStyle = '#e5e8ee';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
    for (let i = 0; i <= ticks; i++) {
      const y = pad.t + h - (h * i) / ticks;
      g.beginPath();
      g.moveTo(pad.l, Math.round(y) + 0.5);
      g.lineTo(pad.l + w, Math.round(y) + 0.5);
      g.stroke();
      g.fillText(fmt(step * i, decimals), pad.l - 6, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let m = 5; m >= 0; m--) {
      const x = pad.l + w - (w * m) / 5;
      g.fillText(m === 0 ? 'now' : '-' + m + ' min', x, pad.t + h + 6);
    }
    if (!values.length) {
      g.textBaseline = 'middle';
      g.fillText(samples.length ? 'no data in this interval yet' : 'waiting for samples\u2026', pad.l + w / 2, pad.t + h / 2);
      return;
    }
    const xOf = (t) => pad.l + (w * (t - t0)) / METRICS_WINDOW_MS;
    const yOf = (v) => pad.t + h - (h * v) / max;
    // filled area, then the line, both broken at gaps
    let run = [];
    const runs = [];
    for (const s of samples) {
      const v = s[key];
      if (v === null || !Number.isFinite(v)) { if (run.length) runs.push(run); run = []; continue; }
      run.push([xOf(s.t), yOf(v)]);
    }
    if (run.length) runs.push(run);
    for (const r of runs) {
      g.beginPath();
      g.moveTo(r[0][0], pad.t + h);
      for (const [x, y] of r) g.lineTo(x, y);
      g.lineTo(r[r.length - 1][0], pad.t + h);
      g.closePath();
      g.fillStyle = 'rgba(37, 99, 235, 0.12)';
      g.fill();
      g.beginPath();
      r.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
      g.strokeStyle = '#2563eb';
      g.lineWidth = 2;
      g.stroke();
      if (r.length === 1) {
        g.fillStyle = '#2563eb';
        g.beginPath();
        g.arc(r[0][0], r[0][1], 3, 0, 2 * Math.PI);
        g.fill();
      }
    }
  }

  /** The smallest of 1, 2, 5 times a power of ten that is at least v (an axis step). */
  function niceStep(v) {
    if (!(v > 0)) return 1; // an all-zero series: an axis of 0..1
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (v <= m * p * (1 + 1e-9)) return m * p;
    return 10 * p;
  }

  // ---------------------------------------------------------------- start

  function initKey() {
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
      Chat.reload();
      Chat.reconnect(); // the WebSocket authenticates when it connects
      route();
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('banner-close').addEventListener('click', clearError);
    initKey();
    Chat.init();
    Models.init();
    window.addEventListener('hashchange', route);
    route();
  });
})();
