// Tests of the built JS package (pkg/, `cargo xtask pkg`) under Node: it is imported as a user
// would import it, and its reports must equal the CLI's `report --format json` for the same
// files, field for field. Run by `cargo xtask test` (step pkg), or by hand after `cargo xtask
// pkg` and `cargo build -p coursepulse-cli -p coursepulse-fixtures`: `node --test tests/pkg/`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PKG = join(ROOT, 'pkg');
const TARGET = resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target');
const CLI = join(TARGET, 'debug', 'coursepulse');
const FIXTURES = join(TARGET, 'debug', 'coursepulse-fixtures');
const SAMPLE = join(ROOT, 'www', 'sample', 'watch-logs.parquet');
// A fixed clock, given to both sides, so the future-timestamp rule agrees.
const NOW = '2026-06-01T00:00:00Z';

const { initSync, analyze, analyzeFile } = await import(join(PKG, 'coursepulse.js'));
initSync({ module: readFileSync(join(PKG, 'coursepulse_bg.wasm')) });

function run(program, args, okCodes = [0]) {
  const result = spawnSync(program, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error || !okCodes.includes(result.status)) {
    throw new Error(`${program} ${args.join(' ')}: ${result.error?.message ?? `exit ${result.status}`}\n${result.stderr}`);
  }
  return result.stdout;
}

/// The CLI's report (exit 1 only means a quality gate failed).
function cliReport(path, flags = []) {
  return JSON.parse(run(CLI, ['report', path, '--format', 'json', '--now', NOW, ...flags], [0, 1]));
}

let work;
let dirty;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'coursepulse-pkg-'));
  dirty = join(work, 'dirty.parquet');
  // Many small row groups, duplicates, NULLs and bad values: the streaming path reads 40 groups.
  run(FIXTURES, ['file', dirty, '--rows', '40000', '--learners', '900', '--courses', '7', '--videos-per-course', '9', '--seed', '8', '--row-group-rows', '1000']);
});
after(() => rmSync(work, { recursive: true, force: true }));

test('analyze(bytes) equals the CLI for the bundled sample', () => {
  const expected = cliReport(SAMPLE);
  const report = analyze(readFileSync(SAMPLE), { name: expected.sources[0].name, now: NOW });
  assert.ok(report.summary.learners > 0);
  assert.deepEqual(report, expected);
});

test('analyze(bytes) equals the CLI for a dirty multi-row-group file, with options', () => {
  const expected = cliReport(dirty, ['--top', '5', '--per-course', '2', '--min-views', '3']);
  const report = analyze(readFileSync(dirty), { name: expected.sources[0].name, now: NOW, top: 5, perCourse: 2, minViews: 3 });
  assert.equal(report.learners_top.length, 5);
  assert.ok(report.rows.duplicates_removed > 0, 'the dirty file has duplicates');
  assert.deepEqual(report, expected);
});

test('the report is a plain object made without JSON text', () => {
  const { parse, stringify } = JSON;
  const calls = [];
  JSON.parse = (...args) => { calls.push('parse'); return parse(...args); };
  JSON.stringify = (...args) => { calls.push('stringify'); return stringify(...args); };
  let report;
  try {
    report = analyze(readFileSync(SAMPLE), { name: 'watch-logs.parquet', now: NOW });
  } finally {
    Object.assign(JSON, { parse, stringify });
  }
  // The options object is read as JSON (its `now: undefined` means "the clock", as before); the
  // report, many times larger, is not.
  assert.deepEqual(calls, ['stringify']);
  assert.equal(Object.getPrototypeOf(report), Object.prototype);
  assert.ok(Array.isArray(report.learners_top));
  assert.equal(typeof report.summary.learners, 'number');
});

test('analyzeFile streams a Blob from disk and equals the CLI', async () => {
  const expected = cliReport(dirty);
  const report = await analyzeFile(await openAsBlob(dirty), { name: expected.sources[0].name, now: NOW });
  assert.deepEqual(report, expected);
});

test('analyzeFile never asks for the whole file, only the footer and one row group at a time', async () => {
  const blob = await openAsBlob(dirty);
  const slices = [];
  // A Blob that records the ranges the engine asks for.
  const watched = {
    size: blob.size,
    name: 'dirty.parquet',
    slice(start, end) {
      slices.push(end - start);
      return blob.slice(start, end);
    },
  };
  const report = await analyzeFile(watched, { now: NOW });
  assert.equal(report.sources[0].row_groups, 40);
  assert.ok(slices.length > 40, `${slices.length} reads`);
  const largest = Math.max(...slices);
  assert.ok(largest < blob.size / 10, `largest read ${largest} of ${blob.size} bytes`);
});

test('a CSV File is read whole and named by the file', async () => {
  const csv = 'student_id,video_id,course_code,role,completion_rate_percent\nS1,V1,CSC101,Student,80\nS1,V2,CSC101,student ,40\nS2,V1,CSC101,Instructor,100\n';
  const report = await analyzeFile(new File([csv], 'seed.csv'));
  assert.equal(report.sources[0].name, 'seed.csv');
  assert.equal(report.sources[0].format, 'csv');
  assert.equal(report.learners_top[0].student_id, 'S1');
  assert.equal(report.learners_top[0].avg_completion, 60);
});

test('bad input and bad options throw errors that say what is wrong', async () => {
  assert.throws(() => analyze(new Uint8Array([1, 2, 3, 4, 5]), { name: 'x.parquet' }), /x\.parquet.*not a Parquet file|x\.parquet.*too short/);
  assert.throws(() => analyze(new Uint8Array(0), { name: 'empty.parquet' }), /empty\.parquet: .*empty/);
  assert.throws(() => analyze(readFileSync(SAMPLE), { topN: 5 }), /options: unknown field `topN`/);
  assert.throws(() => analyze(readFileSync(SAMPLE), { from: 'last week' }), /options\.from: "last week" is not a time/);
  const truncated = readFileSync(dirty).subarray(0, 5000);
  await assert.rejects(analyzeFile(new File([truncated], 'cut.parquet')), /cut\.parquet: .*truncated/);
});

/// Runs `call` on a file that makes the Parquet decoder panic, in a Node of its own (wasm32
/// cannot unwind: the panic stops the module instance). Returns what that process saw: the
/// error thrown or the promise's rejection, the console's errors, and uncaught exceptions.
function panicRun(call) {
  const bad = join(ROOT, 'tests', 'bad-inputs', 'fuzz-parquet-dictionary-decoder-not-set.parquet');
  const script = `
    import { openAsBlob, readFileSync } from 'node:fs';
    const pkg = await import(${JSON.stringify(join(PKG, 'coursepulse.js'))});
    pkg.initSync({ module: readFileSync(${JSON.stringify(join(PKG, 'coursepulse_bg.wasm'))}) });
    const seen = { failed: null, logged: [], uncaught: [] };
    console.error = (...args) => seen.logged.push(args.join(' '));
    process.on('uncaughtException', (error) => seen.uncaught.push(String(error)));
    const path = ${JSON.stringify(bad)};
    try {
      if (${JSON.stringify(call)} === 'analyze') {
        pkg.analyze(readFileSync(path), { name: 'bad.parquet' });
      } else {
        const timeout = new Promise((resolve) => setTimeout(() => resolve('still pending after 10 s'), 10_000));
        seen.failed = await Promise.race([pkg.analyzeFile(await openAsBlob(path), { name: 'bad.parquet' }), timeout]);
      }
    } catch (error) {
      seen.failed = String(error);
    }
    process.stdout.write(JSON.stringify(seen));
  `;
  return JSON.parse(run(process.execPath, ['--input-type=module', '-e', script]));
}

const PANIC_MESSAGE =
  /^bad\.parquet: the Parquet decoder failed on malformed data: Decoder for dict should have been set \(at parquet-[\d.]+\/src\/column\/reader\/decoder\.rs:\d+:\d+\)\. This instance of the module has stopped: load it again\.$/;

test('a decoder panic in analyze() names the file and the cause on the console', () => {
  const seen = panicRun('analyze');
  assert.match(seen.failed ?? '', /RuntimeError: unreachable/);
  assert.equal(seen.logged.length, 1, seen.logged.join('\n'));
  assert.match(seen.logged[0].replace(/^coursepulse: /, ''), PANIC_MESSAGE);
  assert.ok(seen.logged[0].startsWith('coursepulse: '), seen.logged[0]);
});

test('a decoder panic in analyzeFile() rejects its promise with the same message', () => {
  const seen = panicRun('analyzeFile');
  assert.match((seen.failed ?? '').replace(/^Error: /, ''), PANIC_MESSAGE);
  assert.equal(seen.logged.length, 1, seen.logged.join('\n'));
  // The abort itself surfaces from the promise's task, outside any caller's reach.
  assert.deepEqual(seen.uncaught, ['RuntimeError: unreachable']);
});

test("the TypeScript declarations name every key of a real report, and only those", () => {
  const dts = readFileSync(join(PKG, 'coursepulse.d.ts'), 'utf8');
  assert.match(dts, /export function analyze\(bytes: Uint8Array( \| number\[\])?, options: AnalyzeOptions \| undefined\): Report;/);
  assert.match(dts, /export function analyzeFile\(file: Blob, options: AnalyzeOptions \| undefined\): Promise<Report>;/);
  const keys = (name) => {
    const body = new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`).exec(dts);
    assert.ok(body, `interface ${name} in coursepulse.d.ts`);
    return [...body[1].matchAll(/^\s+(\w+)\??:/gm)].map((match) => match[1]).sort();
  };
  const report = analyze(readFileSync(dirty), { now: NOW });
  const course = report.courses.find((row) => row.top.length > 0);
  const rule = report.quality.rules.find((row) => row.samples.length > 0 && row.details.length > 0)
    ?? report.quality.rules.find((row) => row.samples.length > 0);
  const shapes = {
    Report: report,
    SourceInfo: report.sources[0],
    ScaleCheck: report.sources[0].scale_check,
    RowCounts: report.rows,
    Summary: report.summary,
    Lists: report.lists,
    LearnerRow: report.learners_top[0],
    VideoRow: report.videos[0],
    CourseRow: course,
    CourseVideoRow: course.top[0],
    HistogramBin: report.completion_histogram[0],
    DailyRow: report.daily[0],
    QualityReport: report.quality,
    QualityRule: rule,
    Sample: rule.samples[0],
    Pruning: report.pruning,
    Lineage: report.lineage,
    MetricLineage: report.lineage.metrics[0],
    LineageStep: report.lineage.metrics[0].steps[0],
    FileMetadata: report.files[0],
    ColumnMetadata: report.files[0].columns[0],
  };
  const detail = report.quality.rules.flatMap((row) => row.details)[0];
  if (detail) shapes.ValueCount = detail;
  for (const [name, value] of Object.entries(shapes)) {
    assert.ok(value, `the dirty report has a ${name}`);
    assert.deepEqual(keys(name), Object.keys(value).sort(), `interface ${name}`);
  }
});
