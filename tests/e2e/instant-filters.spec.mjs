// Journey: a loaded dataset answers filter changes from the rows the worker kept in memory. With
// the generated dirty file: a course, a date range, both, then no filter, each equal to the
// CLI's report read with that filter (cards, top learners, quality counts and the offending
// rows), and the worker reads no byte of the file to compute any of those dashboards. After a
// reload the dataset comes back from the browser's storage with its rows, and a filter change
// is still answered from them, without the file.
import { expect, test } from '@playwright/test';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DatasetPanel } from './pages/dataset-panel.mjs';
import { groupThousands, inputs, isTwoDecimals } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

let session;
const files = inputs();
const filters = () => JSON.parse(readFileSync(join(process.env.E2E_WORK, 'ref-filters.json'), 'utf8'));
test.beforeAll(async ({ browser }) => {
  session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// The line that says how the dashboard was computed, once it says `fromKeptRows`.
async function computed(page, fromKeptRows) {
  const line = page.getByTestId('analysed');
  await expect(line).toHaveAttribute('data-from-kept-rows', String(fromKeptRows));
  return { bytesRead: Number(await line.getAttribute('data-bytes-read')), text: (await line.textContent()).trim() };
}

/// The page shows `report`'s figures: cards, top learners and every rule's count.
async function expectFiguresOf(app, report) {
  await expect(app.card('rows')).toHaveText(groupThousands(report.rows.total));
  await expect(app.card('students')).toHaveText(groupThousands(report.rows.student));
  await expect(app.card('learners')).toHaveText(groupThousands(report.summary.learners));
  await expect(app.card('videos')).toHaveText(groupThousands(report.summary.videos));
  expect(isTwoDecimals(await app.card('mean').innerText(), report.summary.mean_completion)).toBe(true);
  const top = await app.learners.topRows();
  expect(top.map((row) => row.id)).toEqual(report.learners_top.map((row) => row.student_id));
  const rules = await app.quality.ruleRows();
  expect(rules.map(({ name, count }) => ({ name, count }))).toEqual(
    report.quality.rules.map((rule) => ({ name: rule.name, count: rule.count })),
  );
}

test('filter changes on a loaded file are answered from memory, equal to the CLI, reading no byte', async () => {
  const { app, page } = session;
  const { course, range, course_report, range_report, both_report } = filters();
  await app.goto();
  await app.pickFiles(files.dirty);
  await app.waitForData('dirty.parquet');
  await app.openAllSections();
  const load = await computed(page, false);
  expect(load.bytesRead, 'the load reads the file').toBeGreaterThan(0);

  await page.getByTestId('course-filter').selectOption(course);
  let change = await computed(page, true);
  await expectFiguresOf(app, course_report);
  expect(change.bytesRead, change.text).toBe(0);
  expect(change.text).toMatch(/^Filtered in \d+ ms from the rows kept in memory, without reading the files\.$/);

  // The offending rows of a failing rule are this course's, as the CLI lists them.
  const rule = course_report.quality.rules.find((candidate) => candidate.count > 0 && candidate.samples.length > 0);
  await app.quality.showRows(rule.name);
  const firstPage = rule.samples.slice(0, 50);
  await expect(app.quality.samplesTable.summary).toHaveText(`Rows 1–${firstPage.length} of ${rule.samples.length}`);
  const headers = await app.quality.samplesTable.headers();
  const column = (name) => headers.indexOf(name);
  const shown = await app.quality.samplesTable.rows();
  expect(shown.map((cells) => Number(cells[column('Row')].replace(/,/g, '')))).toEqual(firstPage.map((sample) => sample.row));
  // Values too (read back from the file after the dashboard was shown), not only row numbers;
  // the page shows NULL as an em dash.
  const names = Object.keys(firstPage[0].values);
  expect(names.length).toBeGreaterThan(0);
  expect(shown.map((cells) => names.map((name) => cells[column(name)]))).toEqual(
    firstPage.map((sample) => names.map((name) => sample.values[name] ?? '—')),
  );

  await page.getByTestId('course-filter').selectOption('');
  await page.getByTestId('date-from').fill(range.from);
  await page.getByTestId('date-from').dispatchEvent('change');
  await page.getByTestId('date-to').fill(range.to);
  await page.getByTestId('date-to').dispatchEvent('change');
  await expectFiguresOf(app, range_report);
  change = await computed(page, true);
  expect(change.bytesRead, change.text).toBe(0);

  await page.getByTestId('course-filter').selectOption(course);
  await expectFiguresOf(app, both_report);
  expect((await computed(page, true)).bytesRead).toBe(0);

  await page.getByTestId('clear-filters').click();
  await expectFiguresOf(app, files.reference);
  expect((await computed(page, true)).bytesRead).toBe(0);
  session.expectNoErrors();
});

test('after a reload the stored rows answer a filter change, without the file', async () => {
  const { app, page } = session;
  const { course, course_report } = filters();
  const dataset = new DatasetPanel(page);
  const stored = await dataset.storedBytes((bytes) => bytes > 0);
  await page.reload();
  await expect(dataset.restoredBanner).toContainText("Restored from this browser's storage", { timeout: 15_000 });
  await expect(dataset.restoredBanner).toContainText('the filters work without the files');
  await app.openAllSections();
  await expectFiguresOf(app, files.reference);

  await page.getByTestId('course-filter').selectOption(course);
  const change = await computed(page, true);
  await expectFiguresOf(app, course_report);
  expect(change.bytesRead, change.text).toBe(0);
  await expect(dataset.restoredBanner).toBeVisible();
  console.log(`stored with its rows: ${stored} bytes`);
  session.expectNoErrors();
});
