// The browser half of bench/dashboard/run.sh: loads a dashboard in Debian's Chromium (headless,
// playwright-core from web/node_modules) REPS times, each in a fresh browser context (empty cache,
// as a first visit), and prints one JSON line per load:
//   {"rep":1, "first_contentful_paint_ms":..., "all_visuals_ms":..., "visuals":5}
// first_contentful_paint_ms is the browser's own paint timing; all_visuals_ms is from the start of
// navigation until every visual ([data-visual-id]) has drawn its data (data-row-count or
// data-value set), i.e. every dataset fetched and rendered. Between loads it waits WAIT_S seconds
// (default 0), so that the server's dataset cache has expired when the next load starts.
//
//   node bench/dashboard/first_paint.mjs URL [REPS] [WAIT_S]
import { setTimeout as sleep } from 'node:timers/promises';

const playwright = await import(new URL('../../web/node_modules/playwright-core/index.mjs', import.meta.url));
const [url, repsArg = '7', waitArg = '0'] = process.argv.slice(2);
if (!url) {
  console.error('usage: node bench/dashboard/first_paint.mjs URL [REPS] [WAIT_S]');
  process.exit(2);
}
const reps = Number(repsArg);
const waitSeconds = Number(waitArg);

const browser = await playwright.chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
});
try {
  for (let rep = 1; rep <= reps; ++rep) {
    if (rep > 1 && waitSeconds > 0) await sleep(waitSeconds * 1000);
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    const errors = [];
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForFunction(() => {
      const visuals = [...document.querySelectorAll('[data-visual-id]')];
      return visuals.length > 0 &&
        visuals.every((v) => v.hasAttribute('data-row-count') || v.hasAttribute('data-value'));
    }, null, { timeout: 30_000, polling: 'raf' });
    const timing = await page.evaluate(() => {
      const paint = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        first_contentful_paint_ms: paint ? paint.startTime : null,
        all_visuals_ms: performance.now(),
        visuals: document.querySelectorAll('[data-visual-id]').length,
      };
    });
    console.log(JSON.stringify({ rep, ...timing, errors }));
    await context.close();
  }
} finally {
  await browser.close();
}
