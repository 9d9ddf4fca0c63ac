// Renders the built app (trunk's dist/) in Debian's Chromium, for `cargo xtask test`.
//
//   node xtask/render_smoke.mjs DIST_DIR SCREENSHOT.png
//
// dist/ is served under a sub-path (/coursepulse/) from 127.0.0.1, so relative asset URLs are
// checked too. Fails unless the app mounts (its title, pitch and engine version appear) with no
// page error and no console error; saves a full-page screenshot either way when it can.
import { createServer } from 'node:http';
import { mkdirSync, readFile } from 'node:fs';
import { dirname, extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const [dist = 'dist', screenshot = 'target/xtask/app.png'] = process.argv.slice(2);
const BASE = '/coursepulse/';
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

const server = createServer((request, response) => {
  const url = new URL(request.url, 'http://localhost');
  if (!url.pathname.startsWith(BASE)) {
    response.writeHead(404).end(`outside ${BASE}`);
    return;
  }
  let relative = normalize(decodeURIComponent(url.pathname.slice(BASE.length)));
  if (relative === '.' || relative.endsWith('/')) relative = join(relative, 'index.html');
  if (relative.startsWith('..')) {
    response.writeHead(403).end();
    return;
  }
  readFile(join(dist, relative), (error, body) => {
    if (error) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(relative)] ?? 'application/octet-stream' });
    response.end(body);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}${BASE}`;

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--headless',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });

  await page.goto(url);
  try {
    await page.getByTestId('app-title').waitFor({ timeout: 30_000 });
    const title = await page.getByTestId('app-title').innerText();
    const pitch = await page.getByTestId('app-pitch').innerText();
    const version = await page.getByTestId('engine-version').innerText();
    if (title.trim() !== 'CoursePulse') problems.push(`title is ${JSON.stringify(title)}`);
    if (!pitch.includes('your data never leaves this device')) problems.push(`pitch is ${JSON.stringify(pitch)}`);
    if (!/\d+\.\d+\.\d+/.test(version)) problems.push(`engine version is ${JSON.stringify(version)}`);
    console.log(`ok   ${url}: "${title}", ${version.trim()}`);
  } catch (error) {
    problems.push(`the app did not mount: ${error.message.split('\n')[0]}`);
  }
  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`     screenshot: ${screenshot}`);
} finally {
  await browser.close();
  server.close();
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`FAIL ${problem}`);
  process.exit(1);
}
