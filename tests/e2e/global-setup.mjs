// Before any journey: checks that the built app and the native tools exist (missing inputs are
// errors, never skips), generates the dirty Parquet file and the CLI's reference JSON for it in a
// temp dir, and serves dist/ under /app/ on 127.0.0.1. Tests find both through process.env.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { tools } from './support/reference.mjs';
import { startServer } from './support/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const ARTIFACTS = join(HERE, 'artifacts');

/// The dirty dataset of the comparison journey: duplicates, NULLs, bad roles, NaN, out-of-range
/// and future-dated rows, several row groups.
const FIXTURE_ARGS = ['--rows', '20000', '--learners', '800', '--courses', '6', '--videos-per-course', '10', '--seed', '5'];

/// The partitioned journeys' data: 180 days (about 1,000 rows a day in 2 row groups, 47 KB a
/// file of which 3 KB is footer) behind a manifest, and the week they filter on.
export const DAYS_ARGS = ['--days', '180', '--rows-per-day', '1000', '--row-group-rows', '1024'];
export const WEEK = { from: '2025-06-01', to: '2025-06-07' };

/// The dbt schema of dbt.spec.mjs, for the dirty file: course codes are never NULL, learners
/// watch many videos (so `unique` fails on the learner id), `relationships` is not supported.
export const DBT_SCHEMA = `version: 2
models:
  - name: watch_logs
    columns:
      - name: course_code
        description: Course code as the LMS catalogue lists it
        tests: [not_null]
      - name: student_id
        tests: [unique]
      - name: video_id
        tests:
          - relationships: {to: ref('videos'), field: id}
`;

export default async function globalSetup() {
  const dist = resolve(ROOT, process.env.E2E_DIST ?? 'dist');
  const { cli, fixtures } = tools();
  const missing = [
    [join(dist, 'index.html'), 'the built app: run `trunk build --release` (or `cargo xtask test`)'],
    [join(dist, 'sample', 'watch-logs.parquet'), 'the bundled sample in the built app'],
    [cli, 'the CLI: cargo build -p coursepulse-cli'],
    [fixtures, 'the fixtures generator: cargo build -p coursepulse-fixtures'],
  ].filter(([path]) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`end-to-end inputs missing:\n${missing.map(([path, what]) => `  ${path}: ${what}`).join('\n')}`);
  }

  // Screenshots from an earlier run must not pass for this run's.
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const name of readdirSync(ARTIFACTS)) {
    if (name.endsWith('.png')) unlinkSync(join(ARTIFACTS, name));
  }

  const work = mkdtempSync(join(tmpdir(), 'coursepulse-e2e-'));
  const dirty = join(work, 'dirty.parquet');
  run(fixtures, ['file', dirty, ...FIXTURE_ARGS], [0]);
  // The page judges future timestamps against the browser's clock; so does the reference.
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  // Exit 1 means "quality gate failed", which this dirty file is meant to do.
  const report = run(cli, ['report', dirty, '--format', 'json', '--now', now], [0, 1]);
  writeFileSync(join(work, 'reference.json'), report);
  // Filters applied to the loaded dirty file (instant-filters.spec.mjs): one course, the middle
  // half of its days, and both, each with the CLI's report read with that filter.
  const whole = JSON.parse(report);
  const course = whole.courses[1].course_id;
  const dates = whole.daily.map((day) => day.date);
  const range = { from: dates[Math.floor(dates.length / 4)], to: dates[Math.floor((3 * dates.length) / 4)] };
  const filtered = (args) =>
    JSON.parse(run(cli, ['report', dirty, ...args, '--samples', '200', '--format', 'json', '--now', now], [0, 1]));
  // The period just before the range, as many days long (period-comparison.spec.mjs).
  const DAY_MS = 86_400_000;
  const shift = (date, days) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  const rangeDays = (Date.parse(range.to) - Date.parse(range.from)) / DAY_MS + 1;
  const previous = { from: shift(range.from, -rangeDays), to: shift(range.from, -1), days: rangeDays };
  writeFileSync(
    join(work, 'ref-filters.json'),
    JSON.stringify({
      course,
      range,
      course_report: filtered(['--course', course]),
      range_report: filtered(['--from', range.from, '--to', range.to]),
      both_report: filtered(['--course', course, '--from', range.from, '--to', range.to]),
      previous,
      previous_report: filtered(['--from', previous.from, '--to', previous.to]),
      previous_both_report: filtered(['--course', course, '--from', previous.from, '--to', previous.to]),
    }),
  );
  // The dbt journey's schema (one passing, one failing and one unsupported test, a description)
  // and the CLI's report with it, keeping as many offending rows as the page (MAX_SAMPLES).
  const schema = join(work, 'schema.yml');
  writeFileSync(schema, DBT_SCHEMA);
  writeFileSync(
    join(work, 'ref-dbt.json'),
    run(cli, ['report', dirty, '--dbt-schema', schema, '--samples', '200', '--format', 'json', '--now', now], [0, 1]),
  );
  // The same rows compressed with Brotli, which only the full worker decodes.
  const brotli = join(work, 'dirty-brotli.parquet');
  run(fixtures, ['file', brotli, ...FIXTURE_ARGS, '--codec', 'brotli'], [0]);
  // A file of several 1 MB read blocks, for Cancel on a slow link (hardening.spec.mjs).
  run(fixtures, ['file', join(work, 'slow.parquet'), '--rows', '200000', '--learners', '4000', '--courses', '6', '--videos-per-course', '10', '--seed', '6'], [0]);
  // A CSV file larger than the browser reads (1.1 GB, sparse: it takes no disk), for the
  // size refusal (hardening.spec.mjs).
  const huge = join(work, 'huge.csv');
  writeFileSync(huge, 'student_id,video_id,completion_rate_percent\n');
  truncateSync(huge, 1_100_000_000);
  // A Parquet file cut short: the header magic is there, the footer is not.
  writeFileSync(join(work, 'x.parquet'), readFileSync(dirty).subarray(0, 100));

  // A 180-day dataset with a manifest (JSON, and the same list as plain text), and the CLI's
  // report for one week of it (`to` is inclusive in the page and the CLI alike).
  const days = join(work, 'ds180');
  run(fixtures, ['partitioned', days, ...DAYS_ARGS], [0]);
  const dayFiles = readdirSync(days).filter((name) => name.startsWith('date=')).sort().map((name) => `${name}/part-0.parquet`);
  writeFileSync(join(days, 'manifest.json'), JSON.stringify({ files: dayFiles }));
  writeFileSync(join(days, 'files.txt'), `# one path a line\n${dayFiles.join('\n')}\n`);
  writeFileSync(
    join(work, 'ref-week.json'),
    run(cli, ['report', join(days, 'manifest.json'), '--from', WEEK.from, '--to', WEEK.to, '--format', 'json', '--now', now], [0, 1]),
  );
  // Incremental loads: 10 days, then 11 and 12 (the same seed writes the same bytes for a day,
  // so the first days of ds12 are the files of ds10), each with the CLI's full recompute.
  run(fixtures, ['partitioned', join(work, 'ds12'), '--days', '12'], [0]);
  for (const [name, count] of [['ds10', 10], ['ds11', 11]]) {
    for (const day of readdirSync(join(work, 'ds12')).sort().slice(0, count)) {
      cpSync(join(work, 'ds12', day), join(work, name, day), { recursive: true });
    }
  }
  for (const name of ['ds11', 'ds12']) {
    writeFileSync(join(work, `ref-${name}.json`), run(cli, ['report', join(work, name), '--format', 'json', '--now', now], [0, 1]));
  }
  mkdirSync(join(work, 'empty-folder', 'date=2025-03-01'), { recursive: true });
  writeFileSync(join(work, 'empty-folder', 'date=2025-03-01', '_SUCCESS'), '');

  const server = await startServer(dist, work);
  process.env.E2E_BASE_URL = server.url;
  process.env.E2E_WORK = work;
  console.log(`e2e: serving ${dist} at ${server.url}; inputs in ${work}`);

  return async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  };
}

function run(program, args, okCodes) {
  const result = spawnSync(program, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error || !okCodes.includes(result.status)) {
    throw new Error(
      `${program} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`,
    );
  }
  return result.stdout;
}
