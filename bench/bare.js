// The floor: a bare DevTools loop doing only what a screenshot needs
// (navigate, wait for `load`, capture), over the pipe Chrome is launched
// with, no library. bench/run compares Chrome's CPU per page under savepage
// with Chrome's CPU per page under this, in the same mode:
//   isolated  a browser context and a tab per URL (savepage's default)
//   shared    one browser context, one tab per worker going from URL to URL
//             (savepage --shared-session)
// Usage: node bare.js URLS-FILE OUT-DIR JOBS png|jpeg isolated|shared BROWSER [FLAG...]
// FLAGS are the browser's command line (bench/run passes savepage's own).
// For experiments: BARE_PROXY=direct:// gives each context a proxy setting
// as savepage does; BARE_EXTRA=fonts,ua,lifecycle,inspector adds savepage's
// other set-up commands to each tab.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');

const [urlsFile, outDir, jobs, format, mode, browserPath, ...flags] = process.argv.slice(2);
const urls = fs.readFileSync(urlsFile, 'utf8').split('\n').filter(Boolean);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bare-'));
const chrome = spawn(browserPath, [...flags, `--user-data-dir=${profile}`, '--remote-debugging-pipe'],
  { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
const toChrome = chrome.stdio[3], fromChrome = chrome.stdio[4];

let nextId = 1;
const waiting = new Map();   // id -> [resolve, reject]
const listeners = new Map(); // sessionId -> function(method, params)
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  toChrome.write(JSON.stringify(msg) + '\0');
  return new Promise((resolve, reject) => waiting.set(id, [resolve, reject]));
}
let pending = '';
fromChrome.on('data', (chunk) => {
  pending += chunk.toString('utf8');
  let end;
  while ((end = pending.indexOf('\0')) >= 0) {
    const m = JSON.parse(pending.slice(0, end));
    pending = pending.slice(end + 1);
    if (m.id) {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) w[1](new Error(m.error.message)); else w[0](m.result);
    } else if (m.sessionId && listeners.has(m.sessionId)) {
      listeners.get(m.sessionId)(m.method, m.params);
    }
  }
});

async function openTab(contextId) {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank', browserContextId: contextId });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const extra = (process.env.BARE_EXTRA || '').split(',');
  const cmds = [
    send('Page.enable', {}, sessionId),
    send('Emulation.setDeviceMetricsOverride',
      { width: 1440, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId),
  ];
  if (extra.includes('fonts')) cmds.push(send('Page.setFontFamilies', { fontFamilies: { standard: 'Times New Roman', fixed: 'Monospace', serif: 'Times New Roman', sansSerif: 'Arial', cursive: 'Comic Sans MS', fantasy: 'Impact' } }, sessionId));
  if (extra.includes('ua')) cmds.push(send('Network.setUserAgentOverride', { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.8078.108 Safari/537.36' }, sessionId));
  if (extra.includes('lifecycle')) cmds.push(send('Page.setLifecycleEventsEnabled', { enabled: true }, sessionId));
  if (extra.includes('inspector')) cmds.push(send('Inspector.enable', {}, sessionId));
  await Promise.all(cmds);
  return { targetId, sessionId };
}

async function shoot(tab, url, i) {
  const loaded = new Promise((resolve) => listeners.set(tab.sessionId, (method) => {
    if (method === 'Page.loadEventFired') resolve();
  }));
  const nav = await send('Page.navigate', { url }, tab.sessionId);
  if (nav.errorText) throw new Error(nav.errorText);
  await loaded;
  // As savepage asks (its PNGs: Chrome's fast encoder, 4% less CPU for
  // files ~25% larger), so that the two compare like with like.
  const p = format === 'jpeg' ? { format, quality: 80 } : { format, optimizeForSpeed: true };
  const { data } = await send('Page.captureScreenshot', p, tab.sessionId);
  fs.writeFileSync(path.join(outDir, `${i}.${format === 'png' ? 'png' : 'jpg'}`), Buffer.from(data, 'base64'));
}

async function main() {
  let next = 0, failed = 0;
  const shared = mode === 'shared'
    ? (await send('Target.createBrowserContext', { disposeOnDetach: true })).browserContextId : null;
  async function worker() {
    const kept = shared ? await openTab(shared) : null;
    while (next < urls.length) {
      const i = next++;
      let ctx = null, tab = kept;
      try {
        if (!shared) {
          ctx = (await send('Target.createBrowserContext', process.env.BARE_PROXY ? { disposeOnDetach: true, proxyServer: process.env.BARE_PROXY } : { disposeOnDetach: true })).browserContextId;
          tab = await openTab(ctx);
        }
        await shoot(tab, urls[i], i);
      } catch (e) {
        failed++;
        console.error(`${urls[i]}: ${e.message}`);
      }
      if (!shared && tab) {
        send('Target.closeTarget', { targetId: tab.targetId }).catch(() => {});
        send('Target.disposeBrowserContext', { browserContextId: ctx }).catch(() => {});
      }
    }
  }
  await Promise.all(Array.from({ length: Number(jobs) }, worker));
  await send('Browser.close').catch(() => {});
  await new Promise((resolve) => (chrome.exitCode !== null ? resolve() : chrome.on('exit', resolve)));
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}
main();
