// The dashboard's visual types other than the map (map.js): bar, pie, line over time, KPI number
// and table. Each is created once per visual and then update()d with every refresh of its dataset,
// so ECharts animates from the old values to the new instead of redrawing from nothing.
//
// update(dataset, column) gets the dataset answer ({Columns, Rows, ...}) and column(name) → the
// column's index (it throws, naming the columns there are, when the name is not one); it returns
// the number of rows drawn.

import { baseOption, categoryAxis, chartTheme, valueAxis } from './theme.js';
import { MapVisual } from './map.js';
import { clear, escapeHtml, formatBytes, formatNumber, formatUsd, h, toDate } from './util.js';

function numberOrNull(value) {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

class ChartVisual {
  constructor(spec, element, card) {
    this.spec = spec;
    this.element = element;
    this.card = card;
    this.chart = null;
  }

  async init() {
    this.chart = echarts.init(this.element, null, { renderer: 'canvas' });
    this.chart.setOption(this.initialOption());
  }

  resize() {
    this.chart?.resize();
  }

  dispose() {
    this.chart?.dispose();
  }
}

class BarVisual extends ChartVisual {
  initialOption() {
    return {
      ...baseOption(),
      tooltip: { ...baseOption().tooltip, trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: categoryAxis({ data: [] }),
      yAxis: valueAxis(),
      series: [{
        type: 'bar',
        name: this.spec.Value,
        data: [],
        barMaxWidth: 56,
        itemStyle: { borderRadius: [3, 3, 0, 0] },
        label: { show: true, position: 'top', color: chartTheme().muted, formatter: (p) => formatNumber(p.value) },
      }],
    };
  }

  update(dataset, column) {
    const category = column(this.spec.Category);
    const value = column(this.spec.Value);
    const categories = dataset.Rows.map((row) => (row[category] === null ? '(null)' : String(row[category])));
    const values = dataset.Rows.map((row) => numberOrNull(row[value]));
    this.chart.setOption({
      xAxis: { data: categories, axisLabel: { interval: 0, rotate: categories.length > 8 ? 30 : 0 } },
      series: [{ data: values }],
    });
    return values.length;
  }
}

class PieVisual extends ChartVisual {
  initialOption() {
    return {
      ...baseOption(),
      tooltip: { ...baseOption().tooltip, trigger: 'item',
                 formatter: (p) => `${escapeHtml(p.name)}<br><b>${formatNumber(p.value)}</b> (${p.percent}%)` },
      legend: { type: 'scroll', orient: 'vertical', right: 8, top: 'middle', textStyle: { color: chartTheme().muted } },
      series: [{
        type: 'pie',
        radius: ['40%', '66%'],
        center: ['40%', '52%'],
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
        label: { formatter: '{d}%', color: chartTheme().muted, overflow: 'none' },
        data: [],
      }],
    };
  }

  update(dataset, column) {
    const category = column(this.spec.Category);
    const value = column(this.spec.Value);
    const data = dataset.Rows.map((row) => ({
      name: row[category] === null ? '(null)' : String(row[category]),
      value: numberOrNull(row[value]),
    }));
    this.chart.setOption({ series: [{ data }] });
    return data.length;
  }
}

// An X value as a time (ms since the epoch), or null when it is not one. Timestamps without a
// zone (DuckDB's "2026-11-25 22:16:00") are UTC, as everything in lakebox is.
function timeValue(value) {
  if (typeof value === 'number') return null;
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\d/.test(value)) return null;
  let text = value.replace(' ', 'T');
  if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)) text += 'Z';
  const date = toDate(text);
  return date ? date.getTime() : null;
}

// The time axis' range: the data's, padded by a tenth of it and at least 5 minutes on each side.
// (Left to itself, ECharts spreads one minute of data over days.)
function timeRange(times) {
  const min = Math.min(...times);
  const max = Math.max(...times);
  const pad = Math.max((max - min) / 10, 5 * 60 * 1000);
  return { min: min - pad, max: max + pad };
}

class LineVisual extends ChartVisual {
  initialOption() {
    return {
      ...baseOption(),
      tooltip: { ...baseOption().tooltip, trigger: 'axis' },
      legend: { show: false, top: 0, textStyle: { color: chartTheme().muted } },
      xAxis: { type: 'time', axisLabel: { color: chartTheme().muted, hideOverlap: true },
               axisLine: { lineStyle: { color: chartTheme().border } }, splitLine: { show: false } },
      yAxis: valueAxis(),
      series: [],
    };
  }

  update(dataset, column) {
    const x = column(this.spec.X);
    const y = column(this.spec.Y);
    const series = this.spec.Series ? column(this.spec.Series) : -1;
    const rows = dataset.Rows;
    // A time axis when every X is a time; else the X values as categories, in row order.
    const times = rows.map((row) => timeValue(row[x]));
    const isTime = rows.length > 0 && times.every((t) => t !== null);
    const groups = new Map();
    rows.forEach((row, i) => {
      const key = series >= 0 ? String(row[series] ?? '(null)') : this.spec.Y;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push([isTime ? times[i] : String(row[x]), numberOrNull(row[y])]);
    });
    if (isTime) for (const points of groups.values()) points.sort((a, b) => a[0] - b[0]);
    const single = groups.size <= 1;
    const option = {
      legend: { show: !single },
      grid: { top: single ? 28 : 40 },
      xAxis: isTime ? { type: 'time', ...timeRange(times) }
        : { type: 'category', min: null, max: null, data: [...new Set(rows.map((row) => String(row[x])))] },
      series: [...groups.entries()].map(([name, data]) => ({
        type: 'line',
        name,
        data,
        showSymbol: data.length < 40,
        symbol: 'circle',
        symbolSize: 7,
        smooth: false,
        lineStyle: { width: 2 },
        areaStyle: single ? { opacity: 0.12 } : undefined,
      })),
    };
    // replaceMerge: a series whose group disappeared is removed instead of kept.
    this.chart.setOption(option, { replaceMerge: ['series'] });
    return rows.length;
  }
}

// KPI formats: "number" (default), "integer", "percent" (0.25 → 25%), "bytes", "usd".
function formatKpi(value, format) {
  if (value === null || value === undefined) return '–';
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  switch ((format || '').toLowerCase()) {
    case 'integer': return formatNumber(Math.round(n));
    case 'percent': return `${formatNumber(n * 100)}%`;
    case 'bytes': return formatBytes(n);
    case 'usd': case 'currency': return formatUsd(n, 2);
    default: return formatNumber(n);
  }
}

class KpiVisual {
  constructor(spec, element, card) {
    this.spec = spec;
    this.element = element;
    this.card = card;
    this.valueNode = h('div', { class: 'kpi-value' }, '–');
    element.append(this.valueNode);
    this.last = undefined;
  }

  async init() {}

  update(dataset, column) {
    const index = column(this.spec.Value);
    const value = dataset.Rows.length ? dataset.Rows[0][index] : null;
    this.valueNode.textContent = formatKpi(value, this.spec.Format);
    this.card.dataset.value = value === null || value === undefined ? '' : String(value);
    if (this.last !== undefined && this.last !== value) {
      // A short highlight when the number changes, so a refresh is visible.
      this.valueNode.classList.remove('changed');
      void this.valueNode.offsetWidth;
      this.valueNode.classList.add('changed');
    }
    this.last = value;
    return dataset.Rows.length ? 1 : 0;
  }

  resize() {}
  dispose() {}
}

const TABLE_MAX_ROWS = 500;

class TableVisual {
  constructor(spec, element, card) {
    this.spec = spec;
    this.element = element;
    this.card = card;
    element.classList.add('visual-table');
  }

  async init() {}

  update(dataset, column) {
    const names = this.spec.Columns && this.spec.Columns.length ? this.spec.Columns : dataset.Columns.map((c) => c.Name);
    const indexes = names.map((name) => column(name));
    const numeric = indexes.map((i) => /INT|DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC/i.test(dataset.Columns[i]?.Type || ''));
    const rows = dataset.Rows.slice(0, TABLE_MAX_ROWS);
    const table = h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, names.map((name, j) => h('th', { class: numeric[j] ? 'num' : '' }, name)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, indexes.map((i, j) => {
        const value = row[i];
        if (value === null || value === undefined) return h('td', { class: 'null' }, 'null');
        return h('td', { class: numeric[j] ? 'num' : '' }, numeric[j] ? formatNumber(value) : String(value));
      })))));
    const scroll = this.element.scrollTop;
    clear(this.element).append(table);
    if (dataset.Rows.length > rows.length) {
      this.element.append(h('div', { class: 'table-more' }, `first ${rows.length} of ${formatNumber(dataset.Rows.length)} rows`));
    }
    this.element.scrollTop = scroll;
    return rows.length;
  }

  resize() {}
  dispose() {}
}

const TYPES = { map: MapVisual, bar: BarVisual, pie: PieVisual, line: LineVisual, kpi: KpiVisual, table: TableVisual };

export function createVisual(spec, element, card) {
  const Type = TYPES[spec.Type];
  if (!Type) throw new Error(`unknown visual type "${spec.Type}"`);
  return new Type(spec, element, card);
}
