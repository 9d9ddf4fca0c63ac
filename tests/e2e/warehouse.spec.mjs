// Journey: a data team builds the warehouse project (dbt on DuckDB, `warehouse/scripts/build.py`,
// what `cargo xtask warehouse` runs) over the dirty file, and opens the per-course extracts it
// wrote (manifest.json + one Parquet file per course, learner ids pseudonymised by
// `coursepulse split`) in the dashboard from a static host: every figure shown equals the CLI's
// report on the same extracts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@playwright/test';

import { groupThousands, isTwoDecimals } from './support/reference.mjs';
import { Session } from './support/session.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = join(ROOT, '.venv-warehouse', 'bin', 'python');
const SALT = 'e2e-warehouse';
/// Where the extracts land, inside the folder the suite's server serves under data/.
const OUT = 'warehouse';
const SRC = `data/${OUT}/extracts/manifest.json`;

test.describe.configure({ mode: 'serial' });

let session;
let reference;
let manifest;
test.beforeAll(async ({ browser }) => {
  // dbt's start-up and one build of every model and test: well under a minute alone, more
  // on a shared machine.
  test.setTimeout(300_000);
  const work = process.env.E2E_WORK;
  if (!work) throw new Error('E2E_WORK is not set: run the suite through playwright.config.mjs');
  if (!existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: \`cargo xtask setup\` creates the warehouse venv`);
  }
  const target = resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target');
  const cli = process.env.E2E_CLI ?? join(target, 'debug', 'coursepulse');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  run(PYTHON, [join(ROOT, 'warehouse', 'scripts', 'build.py'), '--adapter', 'duckdb', '--cli', cli,
    '--out', join(work, OUT), '--now', now, '--salt', SALT, join(work, 'dirty.parquet')], [0]);
  manifest = join(work, OUT, 'extracts', 'manifest.json');
  // Exit 1: the quality gate failed, as the dirty file's rows make it.
  reference = JSON.parse(run(cli, ['report', manifest, '--format', 'json', '--now', now], [0, 1]));
  session = await Session.open(browser);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

function run(program, args, okCodes) {
  const result = spawnSync(program, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error || !okCodes.includes(result.status)) {
    throw new Error(`${program} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/// A ranked list shown against the CLI's: ranks and (pseudonymised) ids, then every average to
/// 2 decimals (soft, so one run reports every difference).
function expectRanking(shown, expected, what) {
  expect.soft(shown.map((row) => [row.rank, row.id]), `${what}: ranks and ids`).toEqual(
    expected.map((row) => [String(row.rank), row.student_id]),
  );
  const wrong = shown.filter((row, index) => !isTwoDecimals(row.avg, expected[index]?.avg_completion ?? NaN));
  expect.soft(wrong, `${what}: averages`).toEqual([]);
}

test('the warehouse extracts open from their manifest and every figure equals the CLI on them', async () => {
  const { app } = session;
  const files = JSON.parse(readFileSync(manifest, 'utf8'));
  const entries = Array.isArray(files) ? files : files.files;
  expect(entries.length, 'one extract per course').toBe(reference.summary.courses);
  expect(reference.learners_top[0].student_id, 'learner ids are pseudonyms').toMatch(/^L-[0-9a-f]{12}$/);

  await app.goto(`?src=${SRC}`);
  await app.waitForData(SRC);
  const { mean, quality, ...counts } = await app.cardValues();
  const { rows, summary } = reference;
  expect.soft(counts, 'the cards').toEqual(Object.fromEntries(
    Object.entries({ rows: rows.total, students: rows.student, learners: summary.learners, courses: summary.courses, videos: summary.videos })
      .map(([card, value]) => [card, groupThousands(value)]),
  ));
  expect.soft(isTwoDecimals(mean, summary.mean_completion), `mean ${mean}`).toBe(true);

  expectRanking(await app.learners.topRows(), reference.learners_top, 'Top 10');
  expectRanking(await app.learners.bottomRows(), reference.learners_bottom, 'Bottom 10');
  await expect.soft(app.learners.mostWatchedId).toHaveText(reference.most_watched_learner.student_id);

  const courses = await app.courses.lists();
  expect.soft(courses, 'each course with its most and least engaged videos').toEqual(
    reference.courses.map((course) => ({
      course: course.course_id,
      top: course.top.map((video) => video.video_id),
      bottom: course.bottom.map((video) => video.video_id),
    })),
  );
  const rules = await app.quality.ruleRows();
  expect.soft(rules).toEqual(reference.quality.rules.map(({ name, status, count, crossed }) => ({ name, status, count, crossed })));
  await session.screenshot('warehouse-extracts');
  session.expectNoErrors();
});
