// Small helpers every view uses: building DOM nodes without innerHTML (data never becomes markup)
// and formatting numbers, bytes, durations and times the same way everywhere.

// h('div', {class: 'card', onclick: fn, dataset: {visualId: 'x'}}, 'text', childNode, [more])
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(node.style, value);
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimalFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function formatNumber(value) {
  if (value === null || value === undefined || value === '') return '–';
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return Number.isInteger(n) ? integerFormat.format(n) : decimalFormat.format(n);
}

// 1536 → "1.5 KB" (decimal units, as AWS bills and consoles show them).
export function formatBytes(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

export function formatMillis(ms) {
  const n = Number(ms);
  if (!Number.isFinite(n)) return '–';
  if (n < 1000) return `${Math.round(n)} ms`;
  if (n < 60000) return `${(n / 1000).toFixed(n < 10000 ? 2 : 1)} s`;
  const minutes = Math.floor(n / 60000);
  return `${minutes} min ${Math.round((n % 60000) / 1000)} s`;
}

export function formatUsd(value, digits) {
  const n = Number(value);
  if (!Number.isFinite(n)) return '–';
  const places = digits ?? (n !== 0 && Math.abs(n) < 0.01 ? 5 : 2);
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: places > 2 ? 2 : places, maximumFractionDigits: places })}`;
}

// A time (ISO string, epoch seconds or Date) as local "HH:MM:SS", with the date when not today.
export function formatTime(value) {
  const date = toDate(value);
  if (!date) return '–';
  const time = date.toLocaleTimeString('en-GB', { hour12: false });
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return time;
  return `${date.toLocaleDateString('en-CA')} ${time}`;
}

// "12 s ago", "in 3 min".
export function formatRelative(value, now = Date.now()) {
  const date = toDate(value);
  if (!date) return '–';
  const seconds = Math.round((date.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  let text;
  if (abs < 2) return 'now';
  if (abs < 60) text = `${abs} s`;
  else if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 86400) text = `${Math.round(abs / 3600)} h`;
  else text = `${Math.round(abs / 86400)} d`;
  return seconds < 0 ? `${text} ago` : `in ${text}`;
}

export function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

// A pill for a state name (SUCCEEDED, FAILED, RUNNING, READY, ...).
export function stateBadge(state) {
  const text = state || '–';
  const kind = {
    SUCCEEDED: 'ok', READY: 'neutral', SCHEDULED: 'neutral', IDLE: 'muted', ACTIVE: 'ok',
    FAILED: 'bad', ERROR: 'bad', TIMEOUT: 'bad', CANCELLED: 'warn', STOPPED: 'warn', STOPPING: 'warn',
    RUNNING: 'run', QUEUED: 'run', STARTING: 'run',
  }[String(text).split(' ')[0]] || 'neutral';
  return h('span', { class: `badge badge-${kind}` }, text);
}
