// The chat transcript: one view per turn, kept in turn order, filled from the session's history,
// WebSocket events or an HTTP stream. Owns the views (turns); chat.js decides what goes in them.

import { ApiError } from './api.js';
import { $, el } from './dom.js';

export const turns = new Map(); // turn number (or a local key) -> view

export function turnView(key) {
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

export function setInputs(v, messages) {
  v.inputs.replaceChildren(...(messages || []).map((m) => {
    const role = m.role || 'user';
    let content = m.content;
    if (Array.isArray(content)) content = content.map((p) => p.text || '').join('');
    if (content === null || content === undefined) content = m.tool_calls ? JSON.stringify(m.tool_calls) : '';
    return el('div', { class: 'msg ' + role }, el('span', { class: 'role', text: role }), String(content));
  }));
}

export function setRunning(v, running) {
  v.reply.classList.toggle('running', running);
  v.root.dataset.state = running ? 'running' : (v.failed ? 'failed' : 'finished');
}

export function finishTurn(v, finishReason, usage) {
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

export function failTurn(v, error) {
  v.done = true;
  v.failed = true;
  v.root.classList.add('failed');
  setRunning(v, false);
  const e = error instanceof ApiError ? error : new ApiError(error && error.status, error);
  v.meta.textContent = 'failed: ' + e.describe();
}

export function mergeHistory(stored) {
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

/** Gives a view its turn number (a local turn that the node numbered). */
export function renumber(v, turn) {
  turns.delete(v.key);
  v.key = turn;
  v.root.dataset.turn = String(turn);
  turns.set(turn, v);
}

export function scrollDown(force) {
  const t = $('transcript');
  if (force || t.scrollHeight - t.scrollTop - t.clientHeight < 120) t.scrollTop = t.scrollHeight;
}
