// Journey: an analyst opens a dirty export through the file picker, checks the rankings (the
// same as the CLI's for the same file), sorts, filters and downloads the learners table, then
// opens a corrupt file by mistake and keeps the dashboard.
import { readFileSync } from 'node:fs';

import { expect, test } from '@playwright/test';

import { groupThousands, inputs, isTwoDecimals, parseCsv } from './support/reference.mjs';
import { Session } from './support/session.mjs';

const LEARNER_COLUMNS = ['Rank', 'Learner', 'Videos watched', 'Views', 'Avg completion %'];
const PAGE_SIZE = 50;

test.describe.configure({ mode: 'serial' });

let session;
let files;
test.beforeAll(async ({ browser }) => {
  files = inputs();
  session = await Session.open(browser);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// A ranked list on the page against the CLI's: same ranks, ids, videos, averages to 2 decimals.
/// Soft assertions, so one run reports every difference.
function expectSameRanking(shown, expected, what) {
  expect.soft(shown.map((row) => row.id), `${what}: learner ids`).toEqual(expected.map((row) => row.student_id));
  expect.soft(shown.map((row) => row.rank), `${what}: ranks`).toEqual(expected.map((row) => String(row.rank)));
  expect.soft(shown.map((row) => row.videos), `${what}: videos`).toEqual(expected.map((row) => groupThousands(row.videos_watched)));
  const wrongAverages = shown
    .map((row, index) => [row, expected[index]])
    .filter(([row, reference]) => !isTwoDecimals(row.avg, reference.avg_completion))
    .map(([row, reference]) => `${row.id}: shown ${row.avg}, CLI ${reference.avg_completion}`);
  expect.soft(wrongAverages, `${what}: average completion`).toEqual([]);
}

/// A learners-table row (text cells) against a CLI learner.
function tableRowMatches(cells, learner) {
  const [rank, id, videos, views, avg] = cells.map((cell) => cell.replace(/,/g, ''));
  return (
    rank === String(learner.rank) &&
    id === learner.student_id &&
    videos === String(learner.videos_watched) &&
    views === String(learner.views) &&
    isTwoDecimals(avg, learner.avg_completion)
  );
}

function expectRowsMatch(rows, learners, what) {
  expect(rows.length, `${what}: row count`).toBe(learners.length);
  const wrong = rows
    .map((cells, index) => [cells, learners[index]])
    .filter(([cells, learner]) => !tableRowMatches(cells, learner))
    .map(([cells, learner]) => `shown ${cells.join(' | ')}; CLI ${JSON.stringify(learner)}`);
  expect(wrong, what).toEqual([]);
}

test('a dirty Parquet file through the file picker ranks exactly like the CLI', async () => {
  const { app } = session;
  const { reference } = files;
  await app.goto();
  await app.pickFiles(files.dirty);
  await app.waitForData('dirty.parquet');
  await app.openAllSections();

  const cards = await app.cardValues();
  expect.soft(cards.rows).toBe(groupThousands(reference.rows.total));
  expect.soft(cards.students).toBe(groupThousands(reference.rows.student));
  expect.soft(cards.learners).toBe(groupThousands(reference.summary.learners));
  expect.soft(cards.courses).toBe(groupThousands(reference.summary.courses));
  expect.soft(cards.videos).toBe(groupThousands(reference.summary.videos));
  expect.soft(isTwoDecimals(cards.mean, reference.summary.mean_completion), `mean ${cards.mean}`).toBe(true);

  expectSameRanking(await app.learners.topRows(), reference.learners_top, 'Top 10');
  expectSameRanking(await app.learners.bottomRows(), reference.learners_bottom, 'Bottom 10');
  await expect.soft(app.learners.mostWatchedId).toHaveText(reference.most_watched_learner.student_id);

  const shownCourses = await app.courses.lists();
  expect.soft(shownCourses.map((course) => course.course), 'course cards').toEqual(
    reference.courses.map((course) => course.course_id),
  );
  for (const [index, course] of reference.courses.entries()) {
    expect.soft(shownCourses[index]?.top, `course ${course.course_id} most engaged`).toEqual(course.top.map((video) => video.video_id));
    expect.soft(shownCourses[index]?.bottom, `course ${course.course_id} least engaged`).toEqual(
      course.bottom.map((video) => video.video_id),
    );
  }

  // Quality counts too: the reference was computed against this run's clock.
  const rules = await app.quality.ruleRows();
  // Statuses and the level crossed follow the CLI's default levels (warn above 0 rows, fail
  // above a share of the rows).
  expect.soft(rules).toEqual(reference.quality.rules.map(({ name, status, count, crossed }) => ({ name, status, count, crossed })));
  await expect.soft(app.quality.status).toHaveText(reference.quality.passed ? 'passed' : 'failed');
  await session.screenshot('dirty-full-page');
  session.expectNoErrors();
});

test('the metadata panel explains every number: the file and each metric family\'s rows, as the CLI counts them', async () => {
  const { app, page } = session;
  const { reference } = files;
  const panel = page.getByTestId('panel-metadata');
  await app.openData();
  await panel.scrollIntoViewIfNeeded();
  // The lineage table: a column per family, in the CLI's order; rows in, one row per step, used.
  const table = await page.getByTestId('lineage').evaluate((element) =>
    Array.from(element.querySelectorAll('tbody tr'), (row) => ({
      id: row.dataset.testid,
      cells: Array.from(row.querySelectorAll('td'), (cell) => cell.textContent.replace(/[,−]/g, '')),
    })),
  );
  const families = reference.lineage.metrics;
  expect(table.find((row) => row.id === 'lineage-rows-in').cells).toEqual(families.map((family) => String(family.rows_in)));
  expect(table.find((row) => row.id === 'lineage-rows-used').cells).toEqual(families.map((family) => String(family.rows_used)));
  for (const step of new Set(families.flatMap((family) => family.steps.map((entry) => entry.step)))) {
    const expected = families.map((family) => {
      const found = family.steps.find((entry) => entry.step === step);
      return found ? String(found.rows) : '—';
    });
    expect(table.find((row) => row.id === `lineage-${step}`)?.cells, step).toEqual(expected);
  }
  // The file as its footer describes it.
  const [file] = reference.files;
  const summary = panel.getByTestId('metadata-file').first();
  await expect(summary).toContainText('dirty.parquet');
  await expect(summary).toContainText(`${groupThousands(file.rows)} rows · ${file.row_groups} row groups · ${file.compression.join(', ')}`);
  await summary.locator('summary').click();
  await expect(summary).toContainText(file.fingerprint);
  for (const column of file.columns) await expect(summary.locator('table.schema')).toContainText(column.name);
  await session.screenshot('metadata-panel', panel);
  session.expectNoErrors();
});

test('Download CSV holds the whole ranking, as the table shows it', async () => {
  const { app } = session;
  const table = app.learners.table;
  const learners = files.reference.learners;
  await expect(table.summary).toHaveText(`Rows 1–${PAGE_SIZE} of ${groupThousands(learners.length)}`);
  expect(await table.headers()).toEqual(LEARNER_COLUMNS);

  const { fileName, text } = await table.download();
  expect(fileName).toBe('coursepulse-learners.csv');
  const [header, ...rows] = parseCsv(text);
  expect(header).toEqual(LEARNER_COLUMNS);
  expectRowsMatch(rows, learners, 'CSV rows against the CLI');
  // The first page on screen is the CSV's first rows.
  const shown = (await table.rows()).map((cells) => cells.map((cell) => cell.replace(/,/g, '')));
  expect(shown).toEqual(rows.slice(0, PAGE_SIZE));
});

test('the learners table sorts by a column, pages, and filters', async () => {
  const { app } = session;
  const table = app.learners.table;
  const learners = files.reference.learners;
  const total = groupThousands(learners.length);
  const views = (rows) => rows.map((cells) => Number(cells[3].replace(/,/g, '')));
  const ids = (rows) => rows.map((cells) => cells[1]);

  // The rows come from the worker after the header changes, so each check polls the table.
  const shownViews = async () => views(await table.rows());
  const shownIds = async () => ids(await table.rows());
  const allViews = learners.map((learner) => learner.views);

  // Numbers sort largest first; a second click flips.
  await table.sortBy(3, 'descending');
  await expect.poll(shownViews).toEqual([...allViews].sort((a, b) => b - a).slice(0, PAGE_SIZE));
  await table.sortBy(3, 'ascending');
  await expect.poll(shownViews).toEqual([...allViews].sort((a, b) => a - b).slice(0, PAGE_SIZE));

  // Text sorts A to Z in natural order (numeric ids by value), and pages follow the sort.
  const byId = learners.map((learner) => learner.student_id).sort((a, b) => Number(a) - Number(b));
  await table.sortBy(1, 'ascending');
  await expect.poll(shownIds).toEqual(byId.slice(0, PAGE_SIZE));
  await table.nextButton.click();
  await expect(table.summary).toHaveText(`Rows 51–100 of ${total}`);
  expect(await shownIds()).toEqual(byId.slice(PAGE_SIZE, 2 * PAGE_SIZE));
  await table.prevButton.click();
  await expect(table.summary).toHaveText(`Rows 1–50 of ${total}`);
  await expect(table.prevButton).toBeDisabled();
  await table.sortBy(1, 'descending');
  await expect.poll(shownIds).toEqual([...byId].reverse().slice(0, PAGE_SIZE));

  // The filter matches text cells by substring and whole-number cells exactly.
  const needle = '99';
  const matching = learners.filter(
    (learner) =>
      learner.student_id.includes(needle) ||
      [learner.rank, learner.videos_watched, learner.views].some((value) => String(value) === needle),
  );
  expect(matching.length, 'the filter needle should select a few learners').toBeGreaterThan(1);
  expect(matching.length).toBeLessThan(PAGE_SIZE);
  await table.filterBy(needle, `Rows 1–${matching.length} of ${matching.length} (filtered from ${total})`);
  // The filter keeps the sort: by id, descending.
  const filtered = await table.rows();
  expect(ids(filtered)).toEqual(matching.map((learner) => learner.student_id).sort((a, b) => Number(b) - Number(a)));
  await expect(table.nextButton).toBeDisabled();

  // Download CSV exports what the filter selects, in the table's order.
  const { text } = await table.download();
  const [, ...csvRows] = parseCsv(text);
  expect(csvRows.map((cells) => cells[1])).toEqual(ids(filtered));

  await table.filterBy('no such learner', 'No rows match.');
  expect(await table.rows()).toEqual([]);
  await table.filterBy('', `Rows 1–50 of ${total}`);
  session.expectNoErrors();
});

test('a corrupt file shows what is wrong and keeps the dashboard', async () => {
  const { app } = session;
  const before = await app.cardValues();
  const topBefore = await app.learners.topRows();

  await app.pickFiles({ name: 'x.parquet', mimeType: 'application/octet-stream', buffer: readFileSync(files.corrupt) });
  await expect(app.error.root).toBeVisible({ timeout: 30_000 });
  await expect(app.error.message).toContainText('x.parquet');
  await expect(app.error.message).toContainText('a Parquet file ends with the PAR1 magic bytes');
  await expect(app.error.root).toContainText('The data shown below is unchanged.');
  await expect(app.progress).toBeHidden();
  await session.screenshot('corrupt-file-error');
  await session.screenshot('corrupt-file-error-banner', app.error.root);
  session.expectNoErrors();

  await expect(app.dashboard).toBeVisible();
  await expect(app.dataLabel).toHaveText('Showing dirty.parquet');
  expect(await app.cardValues()).toEqual(before);
  expect(await app.learners.topRows()).toEqual(topBefore);
  // The tables still answer from the worker's data.
  await expect(app.learners.table.summary).toHaveText(`Rows 1–50 of ${groupThousands(files.reference.learners.length)}`);

  await app.error.dismiss();
  await expect(app.dashboard).toBeVisible();
});

test('a Brotli file is read by the worker with every codec, fetched only then', async () => {
  const { app } = session;
  // The service worker precaches every file of the build; the app itself fetches the full
  // worker only for a file that needs it.
  const fullWorker = () => session.appRequests.filter((url) => url.includes('coursepulse-worker-full'));
  expect(fullWorker(), 'the full worker was not needed until now').toEqual([]);

  await app.pickFiles(files.brotli);
  await expect(app.dataLabel).toHaveText('Showing dirty-brotli.parquet', { timeout: 60_000 });
  await expect(app.error.root).toBeHidden();
  // The same rows as dirty.parquet, so the same learners as the CLI's reference.
  await expect(app.learners.table.summary).toHaveText(`Rows 1–50 of ${groupThousands(files.reference.learners.length)}`);
  expect(fullWorker().length, 'the full worker was fetched').toBeGreaterThan(0);
  session.expectNoErrors();
});

test('every request went to 127.0.0.1 (no third parties)', async () => {
  session.expectOnlyLocalRequests();
});
