// Profiles one CoursePulse load in the worker with Chromium's CPU profiler (DevTools protocol),
// on the benchmark page, and prints where the time goes: self time per function (a build with
// a name section shows Rust functions by name, see below) and per crate-ish prefix.
//
//   node bench/profile.mjs [--dist DIR] [--out PROFILE.cpuprofile] [--top N] FILE.parquet
//
// The .cpuprofile opens in Chromium DevTools (Performance panel) for a flame chart. Release
// builds strip function names; build with `CARGO_PROFILE_RELEASE_STRIP=false trunk build
// --release` first to see Rust function names.
import { writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { chromium } from 'playwright-core';

import { startServer, ROOT } from './server.mjs';

const args = process.argv.slice(2);
let dist = resolve(ROOT, 'dist');
let out = resolve(ROOT, 'target/bench/coursepulse-worker.cpuprofile');
let top = 25;
let file = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dist') dist = resolve(args[++i]);
  else if (args[i] === '--out') out = resolve(args[++i]);
  else if (args[i] === '--top') top = Number(args[++i]);
  else file = resolve(args[i]);
}
if (!file) {
  console.error('usage: node bench/profile.mjs [--dist DIR] [--out PROFILE.cpuprofile] [--top N] FILE.parquet');
  process.exit(2);
}

const { server } = await startServer({ dist, files: [file] });
const url = `http://127.0.0.1:${server.address().port}/bench/`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.bench?.ready === true);
  await page.evaluate(([path, name]) => window.bench.loadData(path, name), [`/data/${basename(file)}`, basename(file)]);
  await page.evaluate(() => window.bench.coursepulseStart());

  // Attach to the worker through the browser's protocol session (messages relayed, not flattened,
  // since Playwright's sessions cannot name a child session).
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const target = targetInfos.filter((info) => info.type === 'worker' && info.url.includes('coursepulse-worker')).at(-1);
  if (!target) throw new Error('no CoursePulse worker target found');
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
  let nextId = 1;
  const pending = new Map();
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return;
    const message = JSON.parse(event.message);
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolvePromise, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolvePromise, reject });
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
    });

  await send('Profiler.enable');
  await send('Profiler.setSamplingInterval', { interval: 200 });
  await send('Profiler.start');
  const run = await page.evaluate(() => window.bench.coursepulseRun({ top: 10, perCourse: 3 }));
  const { profile } = await send('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
  console.log(`one load of ${basename(file)}: ${Math.round(run.ms)} ms in the worker; profile: ${out}`);
  report(profile, top);
} finally {
  await browser.close();
  server.close();
}

/** Self time per function and per name prefix, from a CPU profile's samples. */
function report(profile, count) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((nodeId, index) => {
    const node = byNode.get(nodeId);
    const name = node.callFrame.functionName || `(${node.callFrame.url ? basename(node.callFrame.url) : 'anonymous'})`;
    self.set(name, (self.get(name) ?? 0) + (deltas[index + 1] ?? 0));
  });
  const total = [...self.values()].reduce((sum, value) => sum + value, 0);
  const percent = (value) => `${((100 * value) / total).toFixed(1).padStart(5)}%`;
  console.log(`\nself time, top ${count} functions (${(total / 1000).toFixed(0)} ms sampled):`);
  for (const [name, micros] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${percent(micros)}  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name.slice(0, 150)}`);
  }
  const groups = new Map();
  for (const [name, micros] of self) {
    const group = groupOf(name);
    groups.set(group, (groups.get(group) ?? 0) + micros);
  }
  console.log('\nself time by group:');
  for (const [group, micros] of [...groups.entries()].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${percent(micros)}  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${group}`);
  }
}

/** A coarse owner for a (demangled Rust or JS) function name: its crate and first module. */
function groupOf(name) {
  const cleaned = name.replace(/^<+/, '').replace(/^\$/, '');
  const match = cleaned.match(/^([a-z_][a-z0-9_]*)(::[a-z_][a-z0-9_]*)?/);
  if (!match) return name.startsWith('(') ? name : 'other';
  return match[0];
}
