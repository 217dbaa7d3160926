// The playwright peers: one browser, JOBS workers, playwright-core; the same
// viewport, format and wait (the load event) as savepage. MODE:
//   isolated  a new browser context (and page) per URL, as savepage's default
//   shared    one context (and page) per worker, going from URL to URL, as
//             savepage --shared-session
// Usage: node shoot.js URLS-FILE OUT-DIR JOBS png|jpeg BROWSER [isolated|shared]
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const [urlsFile, outDir, jobs, format, browserPath, mode = 'shared'] = process.argv.slice(2);
  const urls = fs.readFileSync(urlsFile, 'utf8').split('\n').filter(Boolean);
  const browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--hide-scrollbars'],
  });
  const viewport = { viewport: { width: 1440, height: 900 } };
  let next = 0;
  let failed = 0;
  async function shoot(page, i) {
    await page.goto(urls[i], { waitUntil: 'load', timeout: 30000 });
    const opts = { path: path.join(outDir, `${i}.${format === 'png' ? 'png' : 'jpg'}`), type: format };
    if (format === 'jpeg') opts.quality = 80;
    await page.screenshot(opts);
  }
  async function worker() {
    const kept = mode === 'shared' ? await browser.newContext(viewport) : null;
    const page = kept ? await kept.newPage() : null;
    while (next < urls.length) {
      const i = next++;
      const context = kept || await browser.newContext(viewport);
      try {
        await shoot(page || await context.newPage(), i);
      } catch (e) {
        failed++;
        console.error(`${urls[i]}: ${e.message}`);
      }
      if (!kept) await context.close();
    }
    if (kept) await kept.close();
  }
  await Promise.all(Array.from({ length: Number(jobs) }, worker));
  await browser.close();
  process.exit(failed ? 1 : 0);
}
main();
