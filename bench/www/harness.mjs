// The benchmark page's side: holds one file's bytes and runs the contenders on them, one at a
// time, timing each run and recording the main thread's long tasks. bench/run.mjs drives it
// through `window.bench`; every function returns plain JSON.
//
// Contenders:
// - `coursepulse`: the app's analysis worker (dist/coursepulse-worker_loader.js), sent a `File`
//   exactly as the app sends it; timed from postMessage to the dashboard message.
// - `app`: the app itself in a same-origin iframe, a file put in its file input; timed by the
//   app's own User Timing measure `analysis` (from `analysis-start` to the painted dashboard).
// - `duckdb`: DuckDB-WASM (duckdb.mjs), the bytes registered as a file buffer.
// - `hyparquet`: hyparquet plus a JavaScript group-by in a module worker (hyparquet-worker.mjs).
import * as duckdb from './duckdb.mjs';

const APP = '/app/';
const SETTLE_MS = 150;

const longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    longTasks.push({ start: entry.startTime, duration: entry.duration, name: entry.name });
  }
}).observe({ type: 'longtask', buffered: true });

const state = {
  bytes: null, // ArrayBuffer of the current file
  file: null, // a File over the same bytes, made once per file
  coursepulse: null, // the worker
  nextId: 1,
  hyparquet: null, // the worker
  iframe: null,
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `body` between two settled moments and reports its time and the longest main-thread task. */
async function timed(body) {
  await sleep(SETTLE_MS);
  const started = performance.now();
  const result = await body();
  const finished = performance.now();
  await sleep(SETTLE_MS); // long-task entries are delivered after the task ends
  const during = longTasks.filter(
    (task) => task.start + task.duration >= started && task.start <= finished,
  );
  return {
    ms: result.ms ?? finished - started,
    wallMs: finished - started,
    longestTaskMs: Math.max(0, ...during.map((task) => task.duration)),
    longTasks: during.length,
    ...result,
  };
}

async function loadData(url, name) {
  state.bytes = null;
  state.file = null;
  const started = performance.now();
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  state.bytes = await response.arrayBuffer();
  state.file = new File([state.bytes], name);
  return { bytes: state.bytes.byteLength, ms: performance.now() - started };
}

// ---- CoursePulse's worker, as the app drives it --------------------------------------------

function waitForReady(worker) {
  return new Promise((resolve, reject) => {
    worker.onerror = (event) => reject(new Error(`worker failed to start: ${event.message}`));
    worker.onmessage = (event) => {
      // Messages cross as values (serde-wasm-bindgen), as the app's client reads them.
      const response = event.data;
      if (response?.id === 0 && response.kind?.type === 'ready') resolve();
    };
  });
}

async function coursepulseStart() {
  state.coursepulse?.terminate();
  const started = performance.now();
  const worker = new Worker(`${APP}coursepulse-worker_loader.js`);
  await waitForReady(worker);
  state.coursepulse = worker;
  return { ms: performance.now() - started };
}

function coursepulseOpen(top, perCourse) {
  const worker = state.coursepulse;
  const id = state.nextId++;
  const request = {
    id,
    kind: {
      type: 'open',
      source: { type: 'files' },
      settings: {
        courses: [],
        from: null,
        to: null,
        top_n: top,
        per_course_n: perCourse,
        scale: null,
        mapping: [],
      },
    },
  };
  return new Promise((resolve, reject) => {
    let progress = 0;
    const started = performance.now();
    worker.onmessage = (event) => {
      const response = event.data;
      if (response?.id !== id) return;
      const kind = response.kind;
      if (kind.type === 'progress') {
        progress++;
        return;
      }
      const ms = performance.now() - started;
      if (kind.type === 'dashboard') resolve({ ms, dashboard: kind, progress });
      else reject(new Error(`CoursePulse answered ${kind.type}: ${kind.message ?? ''}`));
    };
    worker.postMessage({ request, files: [state.file] });
  });
}

async function coursepulseRun({ top, perCourse }) {
  const result = await timed(() => coursepulseOpen(top, perCourse));
  const { dashboard, ...rest } = result;
  return { ...rest, workerElapsedMs: dashboard.elapsed_ms, answer: fromDashboard(dashboard) };
}

/** The dashboard in the benchmark's common answer shape. */
function fromDashboard(dashboard) {
  const cards = dashboard.cards;
  const details = (name) =>
    (dashboard.quality.find((rule) => rule.name === name)?.details ?? []).map(([value, count]) => ({
      value,
      count,
    }));
  return {
    rows: {
      total: cards.rows,
      duplicates_removed: cards.duplicates_removed,
      student: cards.student_rows,
    },
    summary: {
      learners: cards.learners,
      courses: cards.courses,
      videos: cards.videos,
      mean_completion: cards.mean_completion,
    },
    most_watched: dashboard.most_watched?.student_id ?? null,
    top: dashboard.top.map((row) => ({ id: row.student_id, avg: row.avg_completion })),
    bottom: dashboard.bottom.map((row) => ({ id: row.student_id, avg: row.avg_completion })),
    courses: Object.fromEntries(
      dashboard.courses.map((course) => [
        course.course,
        { top: course.top.map((line) => line.video), bottom: course.bottom.map((line) => line.video) },
      ]),
    ),
    quality: Object.fromEntries(dashboard.quality.map((rule) => [rule.name, rule.count])),
    role_details: {
      role_accepted_values: details('role_accepted_values'),
      role_clean: details('role_clean'),
    },
  };
}

// ---- The app page: its file input and its `analysis` measure --------------------------------

/**
 * A fresh app in the iframe (`query`, e.g. `?workers=1`, added to its address); resolves when it
 * has mounted (its worker starts on the first load).
 */
async function appLoad(query = '') {
  state.iframe?.remove();
  const started = performance.now();
  const iframe = document.createElement('iframe');
  iframe.width = '1200';
  iframe.height = '800';
  iframe.src = `${APP}index.html${query}`;
  document.getElementById('app-frame').append(iframe);
  state.iframe = iframe;
  await new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
  while (!iframe.contentDocument.querySelector('[data-testid="file-input"]')) await sleep(10);
  return { ms: performance.now() - started };
}

function appOpen() {
  const window_ = state.iframe.contentWindow;
  const document_ = window_.document;
  window_.performance.clearMarks();
  window_.performance.clearMeasures();
  const measured = new Promise((resolve) => {
    const observer = new window_.PerformanceObserver((list) => {
      const entry = list.getEntries().find((candidate) => candidate.name === 'analysis');
      if (entry) {
        observer.disconnect();
        resolve(entry);
      }
    });
    observer.observe({ type: 'measure' });
  });
  const failed = new Promise((resolve) => {
    const poll = setInterval(() => {
      const error = document_.querySelector('[data-testid="error-message"]');
      if (error) {
        clearInterval(poll);
        resolve(error.textContent);
      }
    }, 100);
    measured.then(() => clearInterval(poll));
  });
  const input = document_.querySelector('[data-testid="file-input"]');
  const transfer = new window_.DataTransfer();
  transfer.items.add(state.file);
  input.files = transfer.files;
  input.dispatchEvent(new window_.Event('change', { bubbles: true }));
  return Promise.race([
    measured.then((entry) => ({
      ms: entry.duration,
      // Measured in the same frame callback as `analysis`, so it is there by now.
      renderMs: window_.performance.getEntriesByName('render', 'measure').at(-1)?.duration ?? null,
    })),
    failed.then((message) => {
      throw new Error(`the app showed an error: ${message}`);
    }),
  ]);
}

async function appRun() {
  const result = await timed(appOpen);
  const window_ = state.iframe.contentWindow;
  const document_ = window_.document;
  const mostWatched = document_.querySelector('[data-testid="most-watched-id"]')?.textContent ?? null;
  const dashboard = document_.querySelector('[data-testid="dashboard"]') !== null;
  // Set by bench/run.mjs's init script, which wraps the app's Worker constructor.
  const worker = window_.__benchWorker;
  const workerStartMs = worker?.ready != null ? worker.ready - worker.created : null;
  return { ...result, workerStartMs, answer: { most_watched: mostWatched?.trim() ?? null, dashboard } };
}

/** Waits for the app's next `analysis` measure (the dashboard painted after a request). */
function nextAnalysis(window_) {
  window_.performance.clearMeasures('analysis');
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error('no dashboard within 120 s of a filter change')), 120_000);
    const observer = new window_.PerformanceObserver((list) => {
      const entry = list.getEntries().find((candidate) => candidate.name === 'analysis');
      if (entry) {
        clearTimeout(timeout);
        observer.disconnect();
        resolve(entry.duration);
      }
    });
    observer.observe({ type: 'measure' });
  });
}

/**
 * The filter round on the dataset `appRun` loaded: the second course, then the middle half of
 * the days with no course, then no filter; each timed by the app's `analysis` measure, from the
 * change to the painted dashboard, with what the dashboard says it read.
 */
async function appFilterRound() {
  const window_ = state.iframe.contentWindow;
  const document_ = window_.document;
  const select = document_.querySelector('[data-testid="course-filter"]');
  const from = document_.querySelector('[data-testid="date-from"]');
  const to = document_.querySelector('[data-testid="date-to"]');
  const change = async (label, apply) => {
    const painted = nextAnalysis(window_);
    const result = await timed(async () => {
      apply();
      return { ms: await painted };
    });
    const line = document_.querySelector('[data-testid="analysed"]');
    return {
      change: label,
      ms: result.ms,
      longestTaskMs: result.longestTaskMs,
      fromKeptRows: line?.dataset.fromKeptRows === 'true',
      bytesRead: Number(line?.dataset.bytesRead ?? NaN),
    };
  };
  const set = (element, value) => {
    element.value = value;
    element.dispatchEvent(new window_.Event('change', { bubbles: true }));
  };
  const steps = [];
  const course = select.options[2]?.value;
  if (course) steps.push(await change(`course ${course}`, () => set(select, course)));
  if (from && to && from.min && from.max) {
    // The date inputs span every timestamp, the future ones the quality rules flag included
    // (the bench files hold a few far-future rows): the middle half is taken up to today, so
    // that both steps keep a large share of the rows.
    const first = Date.parse(from.min);
    const last = Math.max(first, Math.min(Date.parse(from.max), Date.now()));
    const day = (ms) => new Date(ms).toISOString().slice(0, 10);
    const quarter = (last - first) / 4;
    steps.push(await change('course cleared', () => set(select, '')));
    steps.push(await change('from: middle half', () => set(from, day(first + quarter))));
    steps.push(await change('to: middle half', () => set(to, day(last - quarter))));
  }
  const clear = document_.querySelector('[data-testid="clear-filters"]');
  if (clear) steps.push(await change('no filter', () => clear.click()));
  return { steps };
}

// ---- DuckDB-WASM ----------------------------------------------------------------------------

async function duckdbStart() {
  const ms = await duckdb.start();
  return { ms, version: await duckdb.version() };
}

async function duckdbRun(options) {
  // DuckDB takes ownership of the buffer it registers: give it a copy, made before the clock.
  const copy = state.bytes.slice(0);
  const result = await timed(async () => ({ answer: await duckdb.run(copy, options) }));
  await duckdb.cleanup();
  return result;
}

// ---- hyparquet + JavaScript -----------------------------------------------------------------

async function hyparquetStart() {
  state.hyparquet?.terminate();
  const started = performance.now();
  const worker = new Worker('./hyparquet-worker.mjs', { type: 'module' });
  await new Promise((resolve, reject) => {
    worker.onerror = (event) => reject(new Error(`hyparquet worker: ${event.message}`));
    worker.onmessage = (event) => event.data.ready && resolve();
  });
  state.hyparquet = worker;
  return { ms: performance.now() - started };
}

async function hyparquetRun(options) {
  // The bytes are transferred to the worker: give it a copy, made before the clock.
  const copy = state.bytes.slice(0);
  return timed(
    () =>
      new Promise((resolve, reject) => {
        state.hyparquet.onmessage = (event) => {
          if (event.data.error) reject(new Error(`hyparquet: ${event.data.error}`));
          else resolve({ answer: event.data.answer });
        };
        state.hyparquet.postMessage({ bytes: copy, ...options }, [copy]);
      }),
  );
}

window.bench = {
  loadData,
  coursepulseStart,
  coursepulseRun,
  appLoad,
  appRun,
  appFilterRound,
  duckdbStart,
  duckdbRun,
  hyparquetStart,
  hyparquetRun,
  ready: true,
};
