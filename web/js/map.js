// The map visual: country outlines from world-atlas (embedded in lakebox, so no tile server and
// no network), drawn by ECharts' geo component, with one point per row at its
// longitude/latitude. The view fits the data's bounding box with a margin until the user pans or
// zooms; hovering a point shows its Label and Details columns.
//
// Outlines come in two steps: the 1:110m countries (0.1 MB, ~70 ms to draw) for the first paint,
// then, once the browser is idle, the 1:50m ones (0.75 MB, ~300 ms), whose coastlines hold up at
// the zoom of one region.

import { escapeHtml } from './util.js';
import { chartTheme } from './theme.js';

const COARSE_OUTLINES = { map: 'lakebox-world-110m', file: 'countries-110m.json' };
const DETAILED_OUTLINES = { map: 'lakebox-world-50m', file: 'countries-50m.json' };
const outlinesLoaded = new Map();  // map name → promise of its registration

// Registers one set of outlines with ECharts, once; every map visual waits for it.
function loadOutlines(outlines) {
  if (!outlinesLoaded.has(outlines.map)) {
    outlinesLoaded.set(outlines.map, fetch(`/assets/${outlines.file}`)
      .then((response) => {
        if (!response.ok) throw new Error(`${outlines.file}: HTTP ${response.status}`);
        return response.json();
      })
      .then((topology) => {
        const countries = topojson.feature(topology, topology.objects.countries);
        for (const feature of countries.features) unwrapAntimeridian(feature.geometry);
        echarts.registerMap(outlines.map, countries);
      }));
  }
  return outlinesLoaded.get(outlines.map);
}

// world-atlas cuts Russia and Fiji at ±180°, so a ring of theirs runs from 179.9 to -180: drawn
// on a flat map that is a stripe across the whole world (Fiji's at 16.5°S, right over Brazil).
// Moving the ring's western points to +180..+190 closes it where it is. Antarctica's rings jump
// too, but only along the pole, where the jump is its outline: those are left alone.
function unwrapAntimeridian(geometry) {
  if (!geometry) return;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates]
    : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      let jumps = false;
      let polar = false;
      for (let i = 0; i < ring.length; i++) {
        if (Math.abs(ring[i][1]) > 85) polar = true;
        if (i > 0 && Math.abs(ring[i][0] - ring[i - 1][0]) > 180) jumps = true;
      }
      if (!jumps || polar) continue;
      for (const point of ring) if (point[0] < 0) point[0] += 360;
    }
  }
}

// The part of the world to show for these points: their bounding box plus a margin (at least
// half a degree, so one point or one city still shows its surroundings).
function viewBox(points) {
  if (!points.length) return null;
  let [west, east, south, north] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const p of points) {
    west = Math.min(west, p.value[0]);
    east = Math.max(east, p.value[0]);
    south = Math.min(south, p.value[1]);
    north = Math.max(north, p.value[1]);
  }
  const marginLon = Math.max((east - west) * 0.12, 0.5);
  const marginLat = Math.max((north - south) * 0.12, 0.5);
  return {
    west: Math.max(west - marginLon, -180),
    east: Math.min(east + marginLon, 180),
    south: Math.max(south - marginLat, -85),
    north: Math.min(north + marginLat, 85),
  };
}

function sameBox(a, b) {
  if (!a || !b) return a === b;
  const tolerance = Math.max(b.east - b.west, b.north - b.south) * 0.05;
  return ['west', 'east', 'south', 'north'].every((k) => Math.abs(a[k] - b[k]) <= tolerance);
}

function geoView(box) {
  const midLat = (box.north + box.south) / 2;
  return {
    boundingCoords: [[box.west, box.north], [box.east, box.south]],
    // A plain lon/lat map stretches wide away from the equator; squeeze by cos(latitude).
    aspectScale: Math.max(Math.cos((midLat * Math.PI) / 180), 0.3),
    zoom: 1,
    center: null,
  };
}

export class MapVisual {
  // spec: {Latitude, Longitude, Label, Details:[...]}; element: the chart's container.
  constructor(spec, element, card) {
    this.spec = spec;
    this.card = card;
    this.element = element;
    this.dataBox = null;    // the points' box with its margin, from the last update
    this.fittedBox = null;  // the box the view was last fitted to
    this.userMoved = false;
    this.chart = null;
    this.fitButton = null;
    this.detailRequested = false;
  }

  async init() {
    await loadOutlines(COARSE_OUTLINES);
    const theme = chartTheme();
    this.chart = echarts.init(this.element, null, { renderer: 'canvas' });
    this.chart.setOption({
      backgroundColor: theme.water,
      textStyle: { fontFamily: theme.font },
      tooltip: {
        trigger: 'item',
        confine: true,
        backgroundColor: '#fff',
        borderColor: theme.border,
        textStyle: { color: theme.text, fontSize: 12 },
        extraCssText: 'box-shadow: 0 4px 14px rgba(0,0,0,.15); border-radius: 6px;',
        formatter: (params) => this.tooltip(params),
      },
      geo: {
        map: COARSE_OUTLINES.map,
        roam: true,
        silent: true,
        left: 0, right: 0, top: 0, bottom: 0,
        itemStyle: { areaColor: theme.land, borderColor: theme.countryBorder, borderWidth: 0.8 },
        emphasis: { disabled: true },
        boundingCoords: [[-170, 75], [190, -60]],
      },
      series: [{
        type: 'scatter',
        coordinateSystem: 'geo',
        symbolSize: 7,
        itemStyle: { color: theme.palette[0], borderColor: '#fff', borderWidth: 0.8, opacity: 0.85 },
        emphasis: { scale: 1.8, itemStyle: { color: theme.palette[1] } },
        data: [],
        animation: false,
      }],
    });
    this.chart.on('georoam', () => {
      this.userMoved = true;
      this.fitButton?.removeAttribute('hidden');
    });
  }

  setFitButton(button) {
    this.fitButton = button;
    button.addEventListener('click', () => {
      this.userMoved = false;
      button.setAttribute('hidden', '');
      if (this.dataBox) {
        this.chart.setOption({ geo: geoView(this.dataBox) });
        this.fittedBox = this.dataBox;
      }
    });
  }

  tooltip(params) {
    const point = params.data;
    if (!point) return '';
    const rows = (point.details || []).map(([name, value]) =>
      `<tr><td class="tt-key">${escapeHtml(name)}</td><td class="tt-value">${escapeHtml(value ?? 'null')}</td></tr>`);
    return `<div class="tt"><div class="tt-title">${escapeHtml(point.name)}</div>` +
      `<table>${rows.join('')}</table>` +
      `<div class="tt-coords">${point.value[1].toFixed(5)}, ${point.value[0].toFixed(5)}</div></div>`;
  }

  // columns: name → index. Returns the number of points drawn.
  update(dataset, column) {
    const lat = column(this.spec.Latitude);
    const lon = column(this.spec.Longitude);
    const label = this.spec.Label ? column(this.spec.Label) : -1;
    const details = (this.spec.Details || []).map((name) => [name, column(name)]);
    const points = [];
    for (const row of dataset.Rows) {
      const y = Number(row[lat]);
      const x = Number(row[lon]);
      if (row[lat] === null || row[lon] === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      points.push({
        name: label >= 0 ? String(row[label] ?? '') : `${y}, ${x}`,
        value: [x, y],
        details: details.map(([name, index]) => [name, row[index]]),
      });
    }
    const option = { series: [{ data: points }] };
    const box = viewBox(points);
    this.dataBox = box;
    if (box && !this.userMoved && !sameBox(this.fittedBox, box)) {
      option.geo = geoView(box);
      this.fittedBox = box;
    }
    this.chart.setOption(option);
    this.card.dataset.pointCount = String(points.length);
    if (!this.detailRequested) {
      this.detailRequested = true;
      requestIdleCallback(() => this.useDetailedOutlines(), { timeout: 2000 });
    }
    return points.length;
  }

  // Swaps in the 1:50m outlines, keeping the view. Should they fail to load, the 1:110m ones stay,
  // and the card says why in data-outlines.
  useDetailedOutlines() {
    loadOutlines(DETAILED_OUTLINES).then(() => {
      if (!this.chart || this.chart.isDisposed()) return;
      this.chart.setOption({ geo: { map: DETAILED_OUTLINES.map } });
      this.card.dataset.outlines = DETAILED_OUTLINES.file;
    }, (error) => {
      this.card.dataset.outlines = `${COARSE_OUTLINES.file} (${error.message})`;
    });
  }

  resize() {
    this.chart?.resize();
  }

  dispose() {
    this.chart?.dispose();
  }
}
