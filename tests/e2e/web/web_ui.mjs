// The browser half of tests/e2e/test_web_ui.py: drives lakebox's web UI in Debian's Chromium
// (headless, through playwright-core from web/node_modules) and reports what the page showed.
// It asserts nothing itself: the Python test compares what it prints with SQL answers.
//
//   node tests/e2e/web/web_ui.mjs    with the environment
//     LAKEBOX_URL     the server, e.g. http://127.0.0.1:4567
//     OUTPUT_DIR      where the screenshots go (dashboard.png, dashboard-refreshed.png, console.png,
//                     status.png)
//     CONSOLE_SQL     the query to run in the SQL console
//     CHROMIUM        the browser (default /usr/bin/chromium)
//
// Protocol, one JSON object per stdout line:
//   1. {"event": "dashboard", ...}  the Vehicles dashboard is drawn; the script then waits for a
//      line on stdin (the test runs the pipeline again meanwhile) and watches the Records KPI grow
//      without a page load;
//   2. {"event": "result", ...}     everything it saw, including every console error, page error
//      and failed request of the whole session.
// Anything that goes wrong is reported as {"event": "result", "fatal": "..."} and exit status 1.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const playwrightPath = new URL('../../../web/node_modules/playwright-core/index.mjs', import.meta.url);
const baseUrl = process.env.LAKEBOX_URL;
const outputDir = process.env.OUTPUT_DIR;
const consoleSql = process.env.CONSOLE_SQL;
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const WAIT_MS = 60_000;

const consoleErrors = [];
const pageErrors = [];
const httpErrors = [];
const screenshots = {};
const result = { event: 'result' };

function emit(object) {
  process.stdout.write(`${JSON.stringify(object)}\n`);
}

const stdinLines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function nextStdinLine(timeoutMs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no line on stdin within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const { value, done } = await Promise.race([stdinLines.next(), timeout]);
    if (done) throw new Error('stdin closed before the go-ahead');
    return value.trim();
  } finally {
    clearTimeout(timer);
  }
}

async function screenshot(page, name) {
  const file = path.join(outputDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots[name] = file;
}

// Every visual drawn (data-row-count) or failed (data-error).
async function waitForVisuals(page) {
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll('[data-visual-id]')];
    return cards.length > 0 && cards.every((c) => c.dataset.rowCount !== undefined || c.dataset.error !== undefined);
  }, null, { timeout: WAIT_MS, polling: 200 });
}

// What the dashboard shows, from the data- attributes and from the ECharts instances.
function readDashboard() {
  const visuals = {};
  for (const card of document.querySelectorAll('[data-visual-id]')) {
    const body = card.querySelector('.visual-body');
    const chart = body ? echarts.getInstanceByDom(body) : null;
    const option = chart ? chart.getOption() : null;
    const v = {
      type: card.dataset.visualType,
      title: card.querySelector('h2')?.textContent || '',
      rowCount: card.dataset.rowCount === undefined ? null : Number(card.dataset.rowCount),
      error: card.dataset.error ?? null,
      value: card.dataset.value ?? null,
      shown: card.querySelector('.kpi-value')?.textContent ?? null,
    };
    if (v.type === 'bar' && option) {
      v.bars = option.xAxis[0].data.map((category, i) => [category, option.series[0].data[i]]);
    }
    if (v.type === 'map') {
      v.pointCount = card.dataset.pointCount === undefined ? null : Number(card.dataset.pointCount);
      v.outlines = card.dataset.outlines ?? null;  // set once the detailed outlines replaced the first ones
      if (option) {
        const points = option.series[0].data;
        v.echartsPoints = points.length;
        v.boundingCoords = option.geo[0].boundingCoords;
        v.geoMap = option.geo[0].map;
        v.firstPoint = points.length ? { name: points[0].name, value: points[0].value } : null;
        v.labels = points.map((p) => p.name);
        const [[west, north], [east, south]] = v.boundingCoords;
        v.allInside = points.every((p) => p.value[0] >= west && p.value[0] <= east && p.value[1] >= south && p.value[1] <= north);
      }
    }
    visuals[card.dataset.visualId] = v;
  }
  return visuals;
}

// Hovers the map's first point and returns the tooltip's text.
async function hoverFirstMapPoint(page) {
  const position = await page.evaluate(() => {
    const body = document.querySelector('[data-visual-type="map"] .visual-body');
    const chart = echarts.getInstanceByDom(body);
    const point = chart.getOption().series[0].data[0];
    const [x, y] = chart.convertToPixel({ geoIndex: 0 }, point.value);
    const rect = body.getBoundingClientRect();
    return { x: rect.left + x, y: rect.top + y };
  });
  await page.mouse.move(position.x, position.y);
  const tooltip = page.locator('[data-visual-type="map"] .tt');
  await tooltip.first().waitFor({ state: 'visible', timeout: 10_000 });
  const text = await tooltip.first().innerText();
  await page.mouse.move(5, 5);
  return text;
}

async function main() {
  if (!baseUrl || !outputDir || !consoleSql) throw new Error('LAKEBOX_URL, OUTPUT_DIR and CONSOLE_SQL are required');
  fs.mkdirSync(outputDir, { recursive: true });
  const { chromium } = await import(playwrightPath.href);
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push({ text: message.text(), location: message.location() });
    });
    page.on('pageerror', (error) => pageErrors.push(String(error.stack || error)));
    page.on('response', (response) => {
      if (response.status() >= 400) httpErrors.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => httpErrors.push(`failed ${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
    let loads = 0;
    page.on('load', () => { loads += 1; });

    // ---- 1. the dashboard, as first drawn
    await page.goto(`${baseUrl}/#/dashboards/vehicles`);
    await waitForVisuals(page);
    await page.waitForTimeout(1000);  // the charts' 400 ms entry animation, for the screenshot
    result.dashboard = await page.evaluate(readDashboard);
    result.tooltip = await hoverFirstMapPoint(page);
    await screenshot(page, 'dashboard');

    // ---- 2. refresh without a reload: the test runs the pipeline, the Records KPI grows
    await page.evaluate(() => { window.lakeboxTestMarker = 'same page'; });
    const loadsBefore = loads;
    const recordsBefore = Number(result.dashboard.records?.value);
    emit({ event: 'dashboard', records: recordsBefore });
    const go = await nextStdinLine(300_000);
    if (go !== 'go') throw new Error(`expected "go" on stdin, got "${go}"`);
    await page.waitForFunction((before) => {
      const card = document.querySelector('[data-visual-id="records"]');
      return card && Number(card.dataset.value) > before;
    }, recordsBefore, { timeout: 90_000, polling: 250 });
    await page.waitForTimeout(1000);
    const after = await page.evaluate(readDashboard);
    result.refresh = {
      recordsBefore,
      recordsAfter: Number(after.records?.value),
      shownAfter: after.records?.shown,
      pointsAfter: after.map?.pointCount,
      outlinesAfter: after.map?.outlines,
      geoMapAfter: after.map?.geoMap,
      marker: await page.evaluate(() => window.lakeboxTestMarker ?? null),
      pageLoads: loads - loadsBefore,
      refreshCount: Number(await page.getAttribute('.dashboard', 'data-refresh-count')),
    };
    await screenshot(page, 'dashboard-refreshed');

    // ---- 3. the SQL console
    await page.evaluate(() => { location.hash = '#/console'; });
    await page.waitForFunction(() => {
      const select = document.querySelector('.database-picker select');
      return select && select.value === 'vehicles';
    }, null, { timeout: WAIT_MS });
    // Open two tables in the catalog tree: the stage table's flat columns, the raw table's structs.
    await page.locator('.tree-table .tree-label', { hasText: /^vehicles_stage$/ }).click();
    await page.locator('.tree-table .tree-label', { hasText: /^vehicles_raw$/ }).click();
    await page.locator('.tree-column .tree-label', { hasText: /^gps_info$/ }).first().click();
    result.catalog = await page.evaluate(() => ({
      databases: [...document.querySelectorAll('.tree-database .tree-label')].map((n) => n.textContent),
      tables: [...document.querySelectorAll('.tree-table .tree-label')].map((n) => n.textContent),
      columns: [...document.querySelectorAll('.tree-column')].map((n) => [
        n.querySelector('.tree-label').textContent, n.querySelector('.tree-detail')?.textContent || '',
        n.querySelector('.tree-tag')?.textContent || '']),
    }));
    await page.fill('.editor', consoleSql);
    await page.press('.editor', 'Control+Enter');
    await page.waitForFunction(() => {
      const state = document.querySelector('.results')?.dataset.state;
      return state === 'FAILED' || state === 'CANCELLED' || (state === 'SUCCEEDED' && document.querySelector('.results-grid'));
    }, null, { timeout: WAIT_MS });
    result.console = await page.evaluate(() => {
      const results = document.querySelector('.results');
      const grid = document.querySelector('.results-grid');
      const error = document.querySelector('.results .alert');
      return {
        state: results.dataset.state,
        queryId: results.dataset.queryId || null,
        error: error ? error.textContent : null,
        header: grid ? [...grid.querySelectorAll('thead th')].slice(1).map((th) => th.textContent) : [],
        rows: grid ? [...grid.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)) : [],
        rowCount: grid ? Number(grid.dataset.rowCount) : null,
        stats: document.querySelector('.results-stats')?.textContent || '',
        csvHref: document.querySelector('.results-stats a[download]')?.getAttribute('href') || null,
      };
    });
    if (result.console.csvHref) {
      const csv = await page.request.get(`${baseUrl}${result.console.csvHref}`);
      result.console.csv = { status: csv.status(), contentType: csv.headers()['content-type'] || '', body: await csv.text() };
    }
    await screenshot(page, 'console');
    await page.locator('.tab', { hasText: 'Recent queries' }).click();
    await page.waitForSelector('.history-grid tbody tr', { timeout: WAIT_MS });
    result.history = await page.evaluate(() => [...document.querySelectorAll('.history-grid tbody tr')].map((tr) => ({
      state: tr.querySelector('.badge')?.textContent, sql: tr.querySelector('.sql-snippet')?.textContent,
    })));
    await screenshot(page, 'console-history');

    // ---- 4. the status page
    await page.evaluate(() => { location.hash = '#/status'; });
    await page.waitForSelector('[data-section="streams"] tbody tr', { timeout: WAIT_MS });
    await page.waitForSelector('[data-section="metering"]', { timeout: WAIT_MS });
    result.status = await page.evaluate(() => ({
      streams: [...document.querySelectorAll('[data-section="streams"] tbody tr td:first-child')].map((td) => td.textContent),
      jobs: [...document.querySelectorAll('[data-section="jobs"] tbody tr td:first-child')].map((td) => td.textContent),
      schedules: [...document.querySelectorAll('[data-section="schedules"] tbody tr td:first-child')].map((td) => td.textContent),
      metering: document.querySelector('[data-section="metering"]').innerText,
    }));
    await screenshot(page, 'status');
    result.finalPageLoads = loads;
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (error) {
  result.fatal = String(error.stack || error);
  process.exitCode = 1;
}
Object.assign(result, { consoleErrors, pageErrors, httpErrors, screenshots });
emit(result);
process.exit(process.exitCode ?? 0);
