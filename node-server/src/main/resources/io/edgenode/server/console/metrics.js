// Live metrics: a parser for Prometheus' text format (also used by the models page), and the
// metrics page, which polls /metrics and draws the last five minutes as canvas line charts.

import { clearError, request, showError } from './api.js';
import { $, fmt } from './dom.js';

export const METRICS_INTERVAL_MS = 2000;
const METRICS_WINDOW_MS = 5 * 60 * 1000;

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

export function byModel(samples, name) {
  const m = {};
  for (const x of samples) if (x.name === name && x.labels.model !== undefined) m[x.labels.model] = (m[x.labels.model] || 0) + x.value;
  return m;
}

export async function scrapeMetrics() {
  return parsePrometheus(await request('GET', '/metrics', undefined, 'text/plain'));
}

// Metric names, as ServerMetrics and EngineCollector register them.
export const M = {
  completion: 'edgenode_completion_tokens_total',
  ttftSum: 'edgenode_time_to_first_token_seconds_sum',
  ttftCount: 'edgenode_time_to_first_token_seconds_count',
  queue: 'edgenode_queue_depth',
  active: 'edgenode_active_sequences',
  kv: 'edgenode_kv_cells_used',
  prefixReused: 'edgenode_prefix_reused_tokens_total',
  budget: 'edgenode_memory_budget_bytes',
  modelMemory: 'edgenode_model_memory_bytes',
};

// ---------------------------------------------------------------- metrics page

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

export function enter() {
  poll();
  timer = setInterval(poll, METRICS_INTERVAL_MS);
  window.addEventListener('resize', draw);
}

export function leave() {
  clearInterval(timer);
  timer = null;
  window.removeEventListener('resize', draw);
}

// ---------------------------------------------------------------- charts

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
