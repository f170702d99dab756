// A dashboard (GET /v1/dashboards/<name>): its KPIs in a strip on top, the other visuals in a grid
// below, in the order lakebox.toml declares them. Every RefreshSeconds the datasets are fetched
// again (each once, however many visuals use it) and the visuals updated in place.
//
// For tests, each visual's card carries data-visual-id and data-visual-type, and after each
// rendering data-row-count (rows drawn), data-value (KPIs), data-point-count (maps) and data-error
// (the message, while its dataset fails).

import { dashboards } from './api.js';
import { createVisual } from './visuals.js';
import { clear, formatBytes, formatMillis, formatTime, h } from './util.js';

// name → index for a dataset's columns; throws naming the columns there are.
function columnFinder(dataset, datasetName) {
  const byName = new Map();
  dataset.Columns.forEach((c, i) => {
    byName.set(c.Name, i);
    if (!byName.has(c.Name.toLowerCase())) byName.set(c.Name.toLowerCase(), i);
  });
  return (name) => {
    const index = byName.get(name) ?? byName.get(String(name).toLowerCase());
    if (index === undefined) {
      throw new Error(`column "${name}" is not in dataset "${datasetName}" (it has ${dataset.Columns.map((c) => c.Name).join(', ')})`);
    }
    return index;
  };
}

class VisualCard {
  constructor(spec) {
    this.spec = spec;
    this.rendered = false;
    this.body = h('div', { class: 'visual-body' });
    this.meta = h('span', { class: 'visual-meta' });
    this.error = h('div', { class: 'visual-error', hidden: true });
    const title = h('h2', {}, spec.Title || spec.Id);
    const headerExtra = [];
    if (spec.Type === 'map') {
      this.fitButton = h('button', { class: 'btn-link fit-button', hidden: true, title: 'Fit the map to the data' }, 'Fit to data');
      headerExtra.push(this.fitButton);
    }
    this.node = h('section', {
      class: `card visual visual-${spec.Type}`,
      dataset: { visualId: spec.Id, visualType: spec.Type },
    }, h('header', { class: 'visual-head' }, title, headerExtra, this.meta), this.error, this.body);
    this.visual = null;
  }

  async init() {
    try {
      this.visual = createVisual(this.spec, this.body, this.node);
      await this.visual.init();
      if (this.fitButton) this.visual.setFitButton(this.fitButton);
    } catch (e) {
      this.visual = null;
      this.showError(e.message);
    }
  }

  update(dataset, datasetName) {
    if (!this.visual) return;
    if (this.node.classList.contains('error-only')) {
      // The chart's element was hidden (zero size): show it and let the chart take its size
      // before drawing into it.
      this.node.classList.remove('error-only');
      this.resize();
    }
    try {
      const rows = this.visual.update(dataset, columnFinder(dataset, datasetName));
      this.rendered = true;
      this.node.dataset.rowCount = String(rows);
      this.clearError();
      const cached = dataset.Cached ? ' · cached' : '';
      this.meta.textContent = `${formatBytes(dataset.BytesScanned)} · ${formatMillis(dataset.EngineMillis)}`;
      this.meta.title = `Dataset ${datasetName}: ${formatBytes(dataset.BytesScanned)} scanned in ` +
        `${formatMillis(dataset.EngineMillis)}, computed ${formatTime(dataset.ComputedAt)}${cached}`;
    } catch (e) {
      this.showError(e.message);
    }
  }

  showError(message) {
    this.node.dataset.error = message;
    this.node.classList.add('has-error');
    this.node.classList.toggle('error-only', !this.rendered);
    clear(this.error).append(h('strong', {}, this.rendered ? 'Not refreshed: ' : 'Cannot show this visual: '), message);
    this.error.hidden = false;
  }

  clearError() {
    delete this.node.dataset.error;
    this.node.classList.remove('has-error', 'error-only');
    this.error.hidden = true;
  }

  resize() {
    // ECharts cannot lay out into a hidden (zero-size) element: such a chart keeps its last size.
    if (!this.body.clientWidth || !this.body.clientHeight) return;
    this.visual?.resize();
  }

  dispose() {
    this.visual?.dispose();
  }
}

export function mountDashboard(container, name) {
  let stopped = false;
  let timer = null;
  let cards = [];
  let spec = null;
  let refreshing = false;
  const resizeObserver = new ResizeObserver(() => cards.forEach((c) => c.resize()));

  const status = h('span', { class: 'dash-status' });
  const refreshButton = h('button', { class: 'btn btn-secondary btn-small', onclick: () => refresh() }, 'Refresh');
  const root = h('div', { class: 'dashboard', dataset: { dashboard: name } });
  container.append(root);

  // Every dataset at once: the server runs up to [query] max_concurrent_queries of them together
  // and queues the rest, so the small ones do not wait behind the map's.
  function fetchDatasets() {
    return Promise.allSettled(spec.Datasets.map((d) => dashboards.dataset(name, d.Name)));
  }

  // `fetched`: the datasets' answers when already asked for (the first load asks while the
  // visuals, the map's outlines above all, are still being set up).
  async function refresh(fetched = null) {
    if (stopped || refreshing || !spec) return;
    refreshing = true;
    clearTimeout(timer);
    refreshButton.disabled = true;
    const names = spec.Datasets.map((d) => d.Name);
    const results = await (fetched ?? fetchDatasets());
    if (stopped) return;
    const byName = new Map(names.map((ds, i) => [ds, results[i]]));
    let bytes = 0;
    let failures = 0;
    for (const card of cards) {
      const result = byName.get(card.spec.Dataset);
      if (!result) {
        card.showError(`dataset "${card.spec.Dataset}" is not in this dashboard`);
      } else if (result.status === 'fulfilled') {
        card.update(result.value, card.spec.Dataset);
      } else {
        card.showError(result.reason.message);
      }
    }
    for (const result of results) {
      if (result.status === 'fulfilled') bytes += Number(result.value.BytesScanned) || 0;
      else failures += 1;
    }
    const every = spec.RefreshSeconds > 0 ? `Refreshes every ${spec.RefreshSeconds} s` : 'Refresh: manual';
    status.textContent = `${every} · Updated ${formatTime(new Date())} · ${formatBytes(bytes)} scanned` +
      (failures ? ` · ${failures} dataset${failures > 1 ? 's' : ''} failed` : '');
    status.classList.toggle('dash-status-warn', failures > 0);
    root.dataset.refreshedAt = new Date().toISOString();
    root.dataset.refreshCount = String(Number(root.dataset.refreshCount || 0) + 1);
    refreshButton.disabled = false;
    refreshing = false;
    if (spec.RefreshSeconds > 0 && !stopped) timer = setTimeout(refresh, spec.RefreshSeconds * 1000);
  }

  async function load() {
    try {
      spec = await dashboards.get(name);
    } catch (e) {
      if (stopped) return;
      root.append(h('div', { class: 'empty-state' },
        h('h1', {}, e.httpStatus === 404 || e.type.includes('NotFound') ? `No dashboard named "${name}"` : 'Cannot load the dashboard'),
        h('p', {}, e.message)));
      return;
    }
    if (stopped) return;
    document.title = `${spec.Title || spec.Name} · lakebox`;
    root.append(h('div', { class: 'page-head' },
      h('div', {},
        h('h1', {}, spec.Title || spec.Name),
        h('div', { class: 'page-sub' }, spec.Database ? `Database ${spec.Database}` : '')),
      h('div', { class: 'page-actions' }, status, refreshButton)));
    cards = spec.Visuals.map((v) => new VisualCard(v));
    const kpis = cards.filter((c) => c.spec.Type === 'kpi');
    const others = cards.filter((c) => c.spec.Type !== 'kpi');
    if (kpis.length) root.append(h('div', { class: 'kpi-strip' }, kpis.map((c) => c.node)));
    root.append(h('div', { class: 'dash-grid' }, others.map((c) => c.node)));
    if (!cards.length) root.append(h('div', { class: 'empty-state' }, h('p', {}, 'This dashboard has no visuals.')));
    const firstData = fetchDatasets();
    await Promise.all(cards.map((c) => c.init()));
    if (stopped) return;
    for (const c of cards) resizeObserver.observe(c.body);
    await refresh(firstData);
  }

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    resizeObserver.disconnect();
    cards.forEach((c) => c.dispose());
  };
}
