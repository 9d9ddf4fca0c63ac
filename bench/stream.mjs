// Streams one large Parquet file from disk through the app, as a user's file picker would hand
// it over (a disk-backed `File`, never copied into the page), and prints how long the dashboard
// took, how many key passes the worker made, and the worker's wasm memory as the load goes.
// For issue 4's memory target: a 100M-row file must finish without the whole file in memory.
// Several files are handed over together: an event log with its videos.csv, for instance.
//
//   node bench/stream.mjs [--dist DIR] [--timeout-min N] FILE.parquet [MORE...]
//
// Make the file with the fixture generator, e.g.
//   target/release/coursepulse-fixtures file /tmp/big.parquet --rows 100000000 \
//     --learners 20000 --courses 30 --videos-per-course 20 --codec zstd
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { chromium } from 'playwright-core';

import { ROOT, startServer } from './server.mjs';

const args = process.argv.slice(2);
let dist = resolve(ROOT, 'dist');
let timeoutMinutes = 60;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dist') dist = resolve(args[++i]);
  else if (args[i] === '--timeout-min') timeoutMinutes = Number(args[++i]);
  else files.push(resolve(args[i]));
}
if (files.length === 0) {
  console.error('usage: node bench/stream.mjs [--dist DIR] [--timeout-min N] FILE.parquet [MORE...]');
  process.exit(2);
}
// The header's label for what was opened (as header.rs writes it).
const label = files.length <= 3 ? files.map((each) => basename(each)).join(', ') : `${files.length} files`;

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;
const { server } = await startServer({ dist, files: [] });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
let failed = false;
try {
  const page = await browser.newPage();
  const workers = [];
  page.on('worker', (worker) => workers.push(worker));
  page.on('crash', () => console.error('the page crashed'));
  await page.goto(`http://127.0.0.1:${server.address().port}/app/`);
  await page.getByTestId('file-input').first().waitFor({ state: 'attached' });
  const started = Date.now();
  await page.getByTestId('file-input').first().setInputFiles(files);
  const memory = async () => {
    const worker = workers.filter((each) => each.url().includes('coursepulse-worker')).at(-1);
    try {
      return await worker?.evaluate(async () => (await wasm_bindgen()).memory.buffer.byteLength);
    } catch {
      return null;
    }
  };
  const done = page
    .getByTestId('data-label')
    .filter({ hasText: `Showing ${label}` })
    .waitFor({ timeout: timeoutMinutes * 60_000 });
  const error = page.getByTestId('error-message').waitFor({ timeout: timeoutMinutes * 60_000 });
  let finished = null;
  // When the dashboard (or an error) appeared, not when the 10 s poll below noticed it.
  let finishedAt = null;
  done.then(() => { finished ??= 'dashboard'; finishedAt ??= Date.now(); }, () => {});
  error.then(() => { finished ??= 'error'; finishedAt ??= Date.now(); }, () => {});
  while (!finished && Date.now() - started < timeoutMinutes * 60_000) {
    await Promise.race([done, error, new Promise((resolvePromise) => setTimeout(resolvePromise, 10_000))]).catch(() => {});
    if (finished) break;
    const progress = await page.getByTestId('progress').textContent().catch(() => '');
    const bytes = await memory();
    console.log(`${((Date.now() - started) / 1000).toFixed(0)} s: wasm memory ${bytes ? megabytes(bytes) : '?'}; ${progress.replace(/\s+/g, ' ').trim()}`);
  }
  const seconds = ((finishedAt ?? Date.now()) - started) / 1000;
  if (finished === 'dashboard') {
    const rows = await page.getByTestId('card-rows').textContent().catch(() => '?');
    console.log(`dashboard after ${seconds.toFixed(1)} s for ${label} (${megabytes(files.reduce((sum, each) => sum + statSync(each).size, 0))}); rows card: ${rows?.trim()}; worker wasm memory at the end: ${megabytes(await memory())}`);
  } else {
    failed = true;
    const message = finished === 'error' ? await page.getByTestId('error-message').textContent() : 'timed out';
    console.error(`no dashboard after ${seconds.toFixed(0)} s: ${message}`);
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
