// Peer (b): one browser, N pages, playwright-core; the same viewport, format
// and wait (the load event) as savepage. Usage:
//   node shoot.js URLS-FILE OUT-DIR JOBS png|jpeg BROWSER
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const [urlsFile, outDir, jobs, format, browserPath] = process.argv.slice(2);
  const urls = fs.readFileSync(urlsFile, 'utf8').split('\n').filter(Boolean);
  const browser = await chromium.launch({
    executablePath: browserPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--hide-scrollbars'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  let next = 0;
  let failed = 0;
  async function worker() {
    const page = await context.newPage();
    while (next < urls.length) {
      const i = next++;
      try {
        await page.goto(urls[i], { waitUntil: 'load', timeout: 30000 });
        const opts = { path: path.join(outDir, `${i}.${format === 'png' ? 'png' : 'jpg'}`), type: format };
        if (format === 'jpeg') opts.quality = 80;
        await page.screenshot(opts);
      } catch (e) {
        failed++;
        console.error(`${urls[i]}: ${e.message}`);
      }
    }
    await page.close();
  }
  await Promise.all(Array.from({ length: Number(jobs) }, worker));
  await browser.close();
  process.exit(failed ? 1 : 0);
}
main();
