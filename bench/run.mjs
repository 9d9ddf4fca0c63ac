// The browser benchmark of issue 4: CoursePulse (its worker, and the app page) against
// DuckDB-WASM and hyparquet + JavaScript, on the same Parquet bytes in one headless Chromium
// page session. `cargo xtask bench` generates the files and runs this; it can also be run alone:
//
//   node bench/run.mjs [--reps N] [--dist DIR] [--cli PATH] [--json OUT] [--only A,B] FILE.parquet...
//
// For each file, in order: the page fetches the bytes once; every contender is started fresh
// (its start-up timed apart); then `--reps` rounds run each contender once, in an order that
// rotates every round. Answers are checked against CoursePulse's worker (and the CLI's JSON
// when `--cli` is given) before the table is printed. Exits 1 when a run fails or answers differ.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

import { compareAnswers, fromCliReport } from './answers.mjs';
import { ROOT, arrowModule, rewriteBareImports, startServer } from './server.mjs';
import { formatReport } from './table.mjs';

const CONTENDERS = ['coursepulse', 'app', 'app1', 'duckdb', 'hyparquet'];
const OPTIONS = { top: 10, perCourse: 3 };
const RUN_TIMEOUT_MS = 15 * 60 * 1000;

function parseArgs(argv) {
  const args = { reps: 3, dist: join(ROOT, 'dist'), cli: null, json: null, only: CONTENDERS, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--reps') args.reps = Number(value());
    else if (arg === '--dist') args.dist = resolve(value());
    else if (arg === '--cli') args.cli = resolve(value());
    else if (arg === '--json') args.json = resolve(value());
    else if (arg === '--only') args.only = value().split(',');
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else args.files.push(resolve(arg));
  }
  const unknown = args.only.filter((name) => !CONTENDERS.includes(name));
  if (unknown.length > 0 || !args.only.includes('coursepulse')) {
    throw new Error(`--only takes coursepulse plus any of ${CONTENDERS.join(', ')}`);
  }
  if (!Number.isInteger(args.reps) || args.reps < 1) throw new Error('--reps takes a positive integer');
  if (args.files.length === 0) throw new Error('usage: node bench/run.mjs [--reps N] [--dist DIR] [--cli PATH] [--json OUT] [--only A,B] FILE.parquet...');
  for (const file of [...args.files, join(args.dist, 'index.html')]) {
    if (!existsSync(file)) throw new Error(`${file} does not exist`);
  }
  return args;
}

// ---- Download sizes -------------------------------------------------------------------------

/** Raw and gzip -9 sizes of what the page fetched, per contender. */
function downloadSizes(served, dist) {
  const groups = {
    'CoursePulse app (page + worker)': (path) => path.startsWith('/app/') && !path.startsWith('/app/sample/'),
    'CoursePulse worker only': (path) => /^\/app\/coursepulse-worker/.test(path),
    'DuckDB-WASM (eh bundle + Arrow)': (path) =>
      path.startsWith('/npm/@duckdb/') || path === '/arrow.mjs',
    'hyparquet + compressors + JS': (path) =>
      /^\/npm\/(hyparquet|hyparquet-compressors|fzstd|hysnappy)\//.test(path) ||
      path === '/bench/hyparquet-worker.mjs',
  };
  const arrow = Buffer.from(arrowModule());
  const contents = (path) => {
    if (path === '/arrow.mjs') return arrow;
    if (path.startsWith('/app/')) return readFileSync(join(dist, path.slice(5) || 'index.html'));
    if (path.startsWith('/npm/')) return rewriteBareImports(readFileSync(join(ROOT, 'node_modules', path.slice(5))));
    return readFileSync(join(ROOT, 'bench/www', path.slice(7)));
  };
  const sizes = [];
  for (const [name, matches] of Object.entries(groups)) {
    const entry = { name, files: [], wasm: { raw: 0, gzip: 0 }, js: { raw: 0, gzip: 0 }, other: { raw: 0, gzip: 0 } };
    for (const path of [...served.keys()].filter(matches).sort()) {
      const body = contents(path === '/app/' ? '/app/index.html' : path);
      const kind = path.endsWith('.wasm') ? 'wasm' : /\.m?js$/.test(path) ? 'js' : 'other';
      const gzip = gzipSync(body, { level: 9 }).length;
      entry[kind].raw += body.length;
      entry[kind].gzip += gzip;
      entry.files.push({ path, raw: body.length, gzip });
    }
    sizes.push(entry);
  }
  return sizes;
}

// ---- The browser session --------------------------------------------------------------------

async function openSession(url, problems) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  // The app spawns its worker on the first request; note when it was created and when it said
  // `ready`, so the page timing can say how much of it was the worker's start-up.
  await context.addInitScript(() => {
    if (!location.pathname.startsWith('/app/')) return;
    const NativeWorker = window.Worker;
    const times = (window.__benchWorker = { created: null, ready: null });
    window.Worker = class extends NativeWorker {
      constructor(...args) {
        super(...args);
        times.created = performance.now();
        this.addEventListener('message', (event) => {
          if (times.ready === null && event.data?.kind?.type === 'ready') {
            times.ready = performance.now();
          }
        });
      }
    };
  });
  const page = await context.newPage();
  const workers = [];
  page.on('worker', (worker) => workers.push(worker));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  context.on('request', (request) => {
    const host = new URL(request.url()).hostname;
    if (!['127.0.0.1', ''].includes(host) && !request.url().startsWith('data:') && !request.url().startsWith('blob:')) {
      problems.push(`request outside 127.0.0.1: ${request.url()}`);
    }
  });
  await page.goto(url);
  await page.waitForFunction(() => window.bench?.ready === true, null, { timeout: 60_000 });
  return { browser, page, workers };
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${RUN_TIMEOUT_MS / 60000} minutes`)), RUN_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function call(session, name, ...args) {
  return withTimeout(
    session.page.evaluate(([fn, fnArgs]) => window.bench[fn](...fnArgs), [name, args]),
    name,
  );
}

/** Runs `start` and returns its result with the worker (Playwright handle) it created. */
async function startingWorker(session, start) {
  const before = session.workers.length;
  const result = await start();
  const created = session.workers.slice(before).filter((worker) => worker.url().includes('coursepulse-worker'));
  // The first: the worker the page talks to (share workers it starts end with their load).
  return { result, worker: created[0] ?? null };
}

/** The linear memory of a CoursePulse worker's wasm (it only grows, so it is the peak). */
async function wasmMemory(worker) {
  if (!worker) return null;
  try {
    return await worker.evaluate(async () => (await wasm_bindgen()).memory.buffer.byteLength);
  } catch {
    return null;
  }
}

/**
 * Where a load read in shares spent its time, from the User Timing marks the coordinating
 * worker leaves (`SHARE_MARKS` in src/worker/read_inputs.rs): null when it read on one worker.
 */
async function sharePhases(worker) {
  if (!worker) return null;
  try {
    const marks = await worker.evaluate(() =>
      Object.fromEntries(performance.getEntriesByType('mark').map((mark) => [mark.name, mark.startTime])),
    );
    const steps = [
      ['own share read', 'shares-start', 'shares-own-read'],
      ['waiting for the other shares', 'shares-own-read', 'shares-parts'],
      ['merge', 'shares-parts', 'shares-merged'],
      ['samples read again', 'shares-merged', 'shares-reread'],
    ];
    if (steps.some(([, from, to]) => marks[from] === undefined || marks[to] === undefined)) return null;
    return Object.fromEntries(steps.map(([label, from, to]) => [label, marks[to] - marks[from]]));
  } catch {
    return null;
  }
}

async function benchFile(session, file, { reps, only }, nowMicros) {
  const name = basename(file);
  const record = { file: name, bytes: statSync(file).size, start: {}, runs: {}, errors: {}, memory: {} };
  for (const contender of CONTENDERS) record.runs[contender] = [];
  const loaded = await call(session, 'loadData', `/data/${name}`, name);
  record.loadMs = loaded.ms;

  if (only.includes('duckdb')) {
    const duckdb = await call(session, 'duckdbStart');
    record.start.duckdb = duckdb.ms;
    record.duckdbEngine = duckdb.version;
  }
  if (only.includes('hyparquet')) record.start.hyparquet = (await call(session, 'hyparquetStart')).ms;

  const runOne = {
    coursepulse: async () => {
      // A fresh worker for every load, like the app's first load: a second 10M-row load in the
      // same worker holds both datasets at once and takes the wasm heap near its 4 GB limit.
      const started = await startingWorker(session, () => call(session, 'coursepulseStart'));
      record.start.coursepulse ??= started.result.ms;
      const result = await call(session, 'coursepulseRun', OPTIONS);
      const memory = await wasmMemory(started.worker);
      record.memory.coursepulse = Math.max(record.memory.coursepulse ?? 0, memory ?? 0) || null;
      return result;
    },
    // The same page on one analysis worker (`?workers=1`), for the scaling of `app` (every core).
    app1: async () => {
      await call(session, 'appLoad', '?workers=1');
      return call(session, 'appRun');
    },
    duckdb: () => call(session, 'duckdbRun', { ...OPTIONS, nowMicros }),
    hyparquet: () => call(session, 'hyparquetRun', { ...OPTIONS, nowMicros }),
    app: async () => {
      // A fresh app for every load: the user's first load, landing page to dashboard.
      // Every core (`?workers=auto`): the app reads on one worker unless asked.
      // The app may start its worker as it mounts, so the window for the worker that reads
      // (the first one created) opens before the app is loaded; share workers come after it.
      const started = await startingWorker(session, async () => {
        const loaded = await call(session, 'appLoad', '?workers=auto');
        return { loaded, result: await call(session, 'appRun') };
      });
      record.start.app ??= started.result.loaded.ms;
      const run = { worker: started.worker, result: started.result.result };
      const memory = await wasmMemory(run.worker);
      record.memory.app = Math.max(record.memory.app ?? 0, memory ?? 0) || null;
      const phases = await sharePhases(run.worker);
      if (phases) {
        (record.sharePhases ??= []).push(phases);
        const said = Object.entries(phases).map(([label, ms]) => `${label} ${Math.round(ms)} ms`);
        console.error(`    read in shares: ${said.join(', ')}`);
      }
      // Then explore the loaded dataset: filter changes, timed to the painted dashboard.
      try {
        const round = await call(session, 'appFilterRound');
        (record.filterRounds ??= []).push(round.steps);
        for (const step of round.steps) {
          console.error(`    filter ${step.change}: ${Math.round(step.ms)} ms (from kept rows: ${step.fromKeptRows}, bytes read: ${step.bytesRead})`);
        }
      } catch (error) {
        record.filterError = error.message.split('\n')[0];
        console.error(`    filter round FAILED: ${record.filterError}`);
      }
      return run.result;
    },
  };
  for (let rep = 0; rep < reps; rep++) {
    const order = only.map((_, index) => only[(index + rep) % only.length]);
    for (const contender of order) {
      if (record.errors[contender]) continue;
      try {
        const result = await runOne[contender]();
        record.runs[contender].push(result);
        const ms = Math.round(result.ms);
        console.error(`  ${name} round ${rep + 1}/${reps} ${contender}: ${ms} ms (longest task ${Math.round(result.longestTaskMs)} ms)`);
      } catch (error) {
        record.errors[contender] = error.message.split('\n')[0];
        console.error(`  ${name} ${contender} FAILED: ${record.errors[contender]}`);
      }
    }
  }
  return record;
}

/** The contenders' npm versions (and DuckDB's engine version, as it reports it). */
function packageVersions(records) {
  const version = (name) => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  const engine = records.find((record) => record.duckdbEngine)?.duckdbEngine;
  return {
    '@duckdb/duckdb-wasm': `${version('@duckdb/duckdb-wasm')}${engine ? ` (DuckDB ${engine})` : ''}`,
    hyparquet: version('hyparquet'),
    'hyparquet-compressors': version('hyparquet-compressors'),
    'apache-arrow': version('apache-arrow'),
  };
}

// ---- Checks ---------------------------------------------------------------------------------

function checkAnswers(record, cliAnswer) {
  const differences = [];
  const reference = record.runs.coursepulse[0]?.answer;
  if (!reference) return ['CoursePulse produced no answer'];
  if (cliAnswer) {
    differences.push(...compareAnswers(cliAnswer, reference).map((text) => `CoursePulse worker vs CLI: ${text}`));
  }
  for (const contender of ['coursepulse', 'duckdb', 'hyparquet', 'app', 'app1']) {
    record.runs[contender].forEach((run, index) => {
      if (contender === 'coursepulse' && index === 0) return;
      const label = `${contender} (round ${index + 1}) vs CoursePulse worker`;
      differences.push(...compareAnswers(reference, run.answer).map((text) => `${label}: ${text}`));
      if (contender.startsWith('app') && !run.answer.dashboard) differences.push(`${label}: no dashboard on the page`);
    });
  }
  if (record.filterError) differences.push(`app filter round: ${record.filterError}`);
  for (const step of (record.filterRounds ?? []).flat()) {
    if (!step.fromKeptRows || step.bytesRead !== 0) {
      differences.push(`app filter round, ${step.change}: the files were read (${step.bytesRead} bytes)`);
    }
  }
  return differences;
}

function cliAnswerFor(cli, file) {
  if (!cli) return null;
  const output = spawnSync(cli, ['report', file, '--format', 'json'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (output.status !== 0 && output.status !== 1) {
    throw new Error(`${cli} report ${file} failed: ${output.stderr}`);
  }
  return fromCliReport(JSON.parse(output.stdout));
}

// ---- Main -----------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { server, served } = await startServer(args);
  const url = `http://127.0.0.1:${server.address().port}/bench/`;
  const problems = [];
  const records = [];
  let session = null;
  let chromiumVersion = null;
  try {
    session = await openSession(url, problems);
    chromiumVersion = session.browser.version();
    const nowMicros = Date.now() * 1000;
    for (const file of args.files) {
      console.error(`${basename(file)}: ${args.reps} round(s)`);
      const record = await benchFile(session, file, args, nowMicros);
      record.differences = checkAnswers(record, cliAnswerFor(args.cli, file));
      records.push(record);
    }
  } finally {
    await session?.browser.close();
    server.close();
  }

  const report = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    chromium: chromiumVersion,
    node: process.version,
    reps: args.reps,
    versions: packageVersions(records),
    records,
    sizes: downloadSizes(served, args.dist),
    problems,
  };
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify(report, null, 2));
  }
  console.log(formatReport(report));

  const failures = [
    ...problems,
    ...records.flatMap((record) => [
      ...Object.entries(record.errors).map(([contender, error]) => `${record.file}: ${contender} failed: ${error}`),
      ...record.differences.map((text) => `${record.file}: ${text}`),
    ]),
  ];
  if (failures.length > 0) {
    console.error(`\nFAIL: ${failures.length} problem(s)`);
    for (const failure of failures.slice(0, 40)) console.error(`  ${failure}`);
    process.exit(1);
  }
  console.error('\nok: every contender agreed on every file');
}

main().catch((error) => {
  console.error(`error: ${error.stack ?? error}`);
  process.exit(1);
});
