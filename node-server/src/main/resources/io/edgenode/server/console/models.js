// The models page: each configured model's status, download progress, KV cells, queue and tokens
// generated (from /metrics), with Load/Unload buttons whose errors stay on the model's row.

import { api, describe, pathSegments, showError } from './api.js';
import { $, el, fmt } from './dom.js';
import { M, METRICS_INTERVAL_MS, byModel, scrapeMetrics } from './metrics.js';

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
  const budget = metrics.find((x) => x.name === M.budget);
  const held = byModel(metrics, M.modelMemory);
  const used = Object.values(held).reduce((a, b) => a + b, 0);
  const mib = (bytes) => fmt(Math.round(bytes / 1048576)) + ' MiB';
  const budgetLine = budget
    ? 'Memory budget: ' + mib(budget.value) + '; held by models: ' + mib(used)
      + ' (' + (budget.value > 0 ? Math.round(100 * used / budget.value) : 0) + '%)'
      + (Object.keys(held).length ? ' \u2014 ' + Object.entries(held).map(([id, b]) => id + ' ' + mib(b)).join(', ') : '') + '.'
    : 'Memory budget: not reported by this node.';
  mem.replaceChildren(
    el('div', { 'data-budget': budget ? String(budget.value) : '' }, budgetLine),
    el('div', null, 'Loaded: ' + (loaded.length ? loaded.join(', ') : 'none') + '. KV cells in use across models: ' + fmt(totalKv) + '.'),
    el('div', { class: 'muted' },
      'A Load that does not fit the budget is refused (503) with the MiB it needs and what the loaded models use, shown on its row;'
      + ' idle models are unloaded, least recently used first, to make room.'));
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

export function enter() {
  refresh();
  timer = setInterval(refresh, METRICS_INTERVAL_MS);
}

export function leave() {
  clearInterval(timer);
  timer = null;
}

export function init() {
  $('models-refresh').addEventListener('click', refresh);
}
