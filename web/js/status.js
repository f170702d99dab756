// The status page (GET /v1/status, docs/status.md), what an operator checks first: is data coming
// in and being delivered, did the crawlers and jobs run, when does each schedule run next, and what
// the usage so far would cost on AWS (the "metering" member). Refreshed every few seconds.

import { status as fetchStatus } from './api.js';
import { clear, formatBytes, formatMillis, formatNumber, formatRelative, formatTime, formatUsd, h, stateBadge, toDate } from './util.js';

const REFRESH_MS = 3000;

function when(value) {
  const date = toDate(value);
  if (!date) return h('span', { class: 'muted' }, '–');
  return h('span', { title: date.toISOString() }, formatTime(date),
    h('span', { class: 'muted rel' }, ` (${formatRelative(date)})`));
}

function dash(value) {
  return value === null || value === undefined || value === '' ? h('span', { class: 'muted' }, '–') : value;
}

function errorCell(text) {
  return text ? h('span', { class: 'error-text', title: text }, text.length > 90 ? `${text.slice(0, 90)}…` : text) : '';
}

// A card with a title and a table; `columns` are [header, cell(row), className?].
function section(title, rows, columns, emptyText) {
  const body = rows.length
    ? h('div', { class: 'table-scroll' }, h('table', { class: 'grid status-grid' },
      h('thead', {}, h('tr', {}, columns.map(([name, , cls]) => h('th', { class: cls || '' }, name)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell, cls]) => h('td', { class: cls || '' }, cell(row))))))))
    : h('div', { class: 'results-empty' }, emptyText);
  return h('section', { class: 'card status-section', dataset: { section: title.toLowerCase() } },
    h('header', { class: 'visual-head' }, h('h2', {}, title), h('span', { class: 'visual-meta' }, rows.length ? String(rows.length) : '')),
    body);
}

function jobState(job) {
  if (job.state === 'RUNNING' && job.progress) {
    const p = job.progress;
    return stateBadge(`RUNNING (${p.phase} ${p.objects_done}/${p.objects_total})`);
  }
  return stateBadge(job.state);
}

// Usage figures run from thousandths of a GB to thousands: three significant digits when small.
function formatUsage(value) {
  const n = Number(value);
  if (!Number.isFinite(n)) return '–';
  if (n !== 0 && Math.abs(n) < 1) return String(Number(n.toPrecision(3)));
  return formatNumber(n);
}

function costLines(lines, currency) {
  return h('table', { class: 'grid cost-grid' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Service'), h('th', { class: 'num' }, 'Usage'), h('th', {}, 'Unit'),
      h('th', { class: 'num' }, `Unit price (${currency})`), h('th', { class: 'num' }, `Cost (${currency})`))),
    h('tbody', {}, (lines || []).map((line) => h('tr', {},
      h('td', {}, line.Service),
      h('td', { class: 'num' }, formatUsage(line.Usage)),
      h('td', { class: 'muted' }, line.Unit),
      h('td', { class: 'num' }, formatUsd(line.UnitPrice, 4)),
      h('td', { class: 'num' }, formatUsd(line.Cost))))));
}

function meteringSection(metering) {
  const head = h('header', { class: 'visual-head' }, h('h2', {}, 'Cost (AWS prices for this usage)'),
    metering ? h('span', { class: 'visual-meta' }, `${metering.Month} · ${metering.Currency}`) : null);
  if (!metering) {
    return h('section', { class: 'card status-section', dataset: { section: 'metering' } }, head,
      h('div', { class: 'results-empty' }, 'Metering is not available on this server.'));
  }
  const currency = metering.Currency || 'USD';
  const projection = metering.Projection;
  const local = metering.Local;
  return h('section', { class: 'card status-section metering', dataset: { section: 'metering' } }, head,
    h('div', { class: 'metering-body' },
      h('div', { class: 'metering-block' },
        h('h3', {}, `This month so far`),
        costLines(metering.Lines, currency),
        h('div', { class: 'cost-total' }, h('span', {}, 'Total'), h('strong', {}, formatUsd(metering.Total)))),
      projection ? h('div', { class: 'metering-block' },
        h('h3', {}, `Projection: a month at ${formatNumber(projection.GBPerDay)} GB/day`),
        costLines(projection.Lines, currency),
        h('div', { class: 'cost-total' }, h('span', {}, 'Total per month'), h('strong', {}, formatUsd(projection.Total)))) : null,
      local ? h('div', { class: 'metering-local' },
        h('h3', {}, 'What lakebox used here'),
        h('div', { class: 'local-tiles' },
          h('div', { class: 'tile' }, h('div', { class: 'tile-value' }, formatMillis(Number(local.CpuSeconds) * 1000)), h('div', { class: 'tile-label' }, 'CPU time')),
          h('div', { class: 'tile' }, h('div', { class: 'tile-value' }, formatBytes(local.DiskBytes)), h('div', { class: 'tile-label' }, 'Disk')),
          h('div', { class: 'tile' }, h('div', { class: 'tile-value' }, local.Since ? formatTime(local.Since) : '–'), h('div', { class: 'tile-label' }, 'Since')))) : null));
}

function summaryTiles(s) {
  const streams = s.streams || [];
  const sum = (key) => streams.reduce((total, st) => total + (Number(st[key]) || 0), 0);
  const failing = [...(s.crawlers || []).filter((c) => c.last_crawl?.status === 'FAILED'),
    ...(s.jobs || []).filter((j) => j.last_run?.state === 'FAILED'),
    ...(s.schedules || []).filter((t) => t.last_outcome === 'FAILED')].length;
  const tile = (value, label, cls) => h('div', { class: `card tile ${cls || ''}` }, h('div', { class: 'tile-value' }, value), h('div', { class: 'tile-label' }, label));
  return h('div', { class: 'kpi-strip status-tiles' },
    tile(formatNumber(sum('records_received')), 'Records received'),
    tile(formatBytes(sum('bytes_delivered')), 'Delivered to the lake'),
    tile(formatBytes(sum('buffered_bytes')), 'Buffered, not yet delivered'),
    tile(String(failing), 'Last runs failed', failing ? 'tile-bad' : ''),
    s.metering ? tile(formatUsd(s.metering.Total), `AWS cost, ${s.metering.Month}`) : null);
}

function render(root, s) {
  const content = [
    summaryTiles(s),
    section('Streams', s.streams || [], [
      ['Name', (r) => h('strong', {}, r.name)],
      ['Records in', (r) => formatNumber(r.records_received), 'num'],
      ['Bytes in', (r) => formatBytes(r.bytes_received), 'num'],
      ['Objects out', (r) => formatNumber(r.objects_delivered), 'num'],
      ['Bytes out', (r) => formatBytes(r.bytes_delivered), 'num'],
      ['Buffered', (r) => formatBytes(r.buffered_bytes), 'num'],
      ['Last delivery', (r) => when(r.last_delivery)],
      ['Errors', (r) => (r.delivery_errors ? h('span', { class: 'error-text' }, r.delivery_errors) : '0'), 'num'],
    ], 'No delivery streams.'),
    section('Crawlers', s.crawlers || [], [
      ['Name', (r) => h('strong', {}, r.name)],
      ['State', (r) => stateBadge(r.state)],
      ['Schedule', (r) => dash(r.schedule), 'mono'],
      ['Last run', (r) => (r.last_crawl ? stateBadge(r.last_crawl.status) : dash(''))],
      ['Started', (r) => when(r.last_crawl?.start)],
      ['Tables new / changed', (r) => (r.last_crawl ? `${r.last_crawl.tables_created} / ${r.last_crawl.tables_updated}` : dash('')), 'num'],
      ['Next run', (r) => when(nextRun(s, `crawler:${r.name}`))],
      ['Error', (r) => errorCell(r.last_crawl?.error)],
    ], 'No crawlers.'),
    section('Jobs', s.jobs || [], [
      ['Name', (r) => h('strong', {}, r.name)],
      ['State', (r) => jobState(r)],
      ['Schedule', (r) => dash(r.schedule), 'mono'],
      ['Last run', (r) => (r.last_run ? stateBadge(r.last_run.state) : dash(''))],
      ['Started', (r) => when(r.last_run?.started)],
      ['Duration', (r) => (r.last_run?.completed ? `${r.last_run.execution_time_s} s` : dash('')), 'num'],
      ['Records in', (r) => (r.last_run ? formatNumber(r.last_run.records_in) : dash('')), 'num'],
      ['Rows out', (r) => (r.last_run ? formatNumber(r.last_run.records_out) : dash('')), 'num'],
      ['Next run', (r) => when(nextRun(s, `job:${r.name}`))],
      ['Error', (r) => errorCell(r.last_run?.error)],
    ], 'No jobs.'),
    section('Schedules', s.schedules || [], [
      ['Task', (r) => h('strong', { class: 'mono' }, r.name)],
      ['Expression', (r) => dash(r.expression), 'mono'],
      ['State', (r) => stateBadge(r.state)],
      ['Last start', (r) => when(r.last_start)],
      ['Outcome', (r) => (r.last_outcome ? stateBadge(r.last_outcome) : dash(''))],
      ['Next run', (r) => when(r.next_run)],
      ['Runs', (r) => formatNumber(r.runs_started), 'num'],
      ['Skipped', (r) => formatNumber(r.runs_skipped), 'num'],
      ['Last error', (r) => errorCell(r.last_error)],
    ], 'No schedules.'),
    meteringSection(s.metering),
  ];
  clear(root).append(...content);
}

function nextRun(s, task) {
  return (s.schedules || []).find((t) => t.name === task)?.next_run || null;
}

export function mountStatus(container) {
  let stopped = false;
  let timer = null;
  const updated = h('span', { class: 'dash-status' });
  const body = h('div', { class: 'status-body' });
  const page = h('div', { class: 'status-page' },
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Status'), h('div', { class: 'page-sub' }, 'Streams, crawlers, jobs, schedules and cost of this lakebox')),
      h('div', { class: 'page-actions' }, updated)),
    body);
  container.append(page);

  async function refresh() {
    try {
      const s = await fetchStatus();
      if (stopped) return;
      render(body, s);
      updated.textContent = `Refreshes every ${REFRESH_MS / 1000} s · Server time ${formatTime(s.time)}`;
      updated.classList.remove('dash-status-warn');
      page.dataset.refreshedAt = new Date().toISOString();
    } catch (e) {
      if (stopped) return;
      updated.textContent = `Cannot reach lakebox: ${e.message}`;
      updated.classList.add('dash-status-warn');
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  }

  refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
