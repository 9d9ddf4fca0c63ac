// Journeys over partitioned datasets: a 180-day manifest on a static host filtered to one week
// skips what the files' statistics rule out (bytes counted by the server) and equals the CLI; a folder opened, then a
// new day added, equals the CLI's full recompute; the dataset survives a reload (restored from
// this browser's storage) and takes the next day; "Forget this data" empties the storage.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { WEEK } from './global-setup.mjs';
import { DatasetPanel } from './pages/dataset-panel.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

const work = () => process.env.E2E_WORK;
const reference = (name) => JSON.parse(readFileSync(join(work(), `ref-${name}.json`), 'utf8'));

let session;
let dataset;
test.beforeAll(async ({ browser }) => {
  session = await Session.open(browser);
  dataset = new DatasetPanel(session.page);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

async function served(prefix) {
  const response = await session.page.request.get(`${process.env.E2E_BASE_URL}__stats`);
  const stats = await response.json();
  const path = new URL(prefix, process.env.E2E_BASE_URL).pathname;
  return Object.entries(stats)
    .filter(([key]) => key.startsWith(path) && key.endsWith('.parquet'))
    .reduce((sum, [, entry]) => ({ requests: sum.requests + entry.requests, bytes: sum.bytes + entry.bytes }), { requests: 0, bytes: 0 });
}

/// Bytes of every day's Parquet footer (metadata, its length and the magic).
async function footerBytes(folder) {
  const { openSync, readSync, closeSync } = await import('node:fs');
  let sum = 0;
  for (const day of readdirSync(folder).filter((name) => name.startsWith('date='))) {
    const path = join(folder, day, 'part-0.parquet');
    const size = statSync(path).size;
    const tail = Buffer.alloc(8);
    const fd = openSync(path, 'r');
    readSync(fd, tail, 0, 8, size - 8);
    closeSync(fd);
    sum += tail.readUInt32LE(0) + 8;
  }
  return sum;
}

/// The cards and the top list equal the CLI's report.
const expectFiguresOf = (report) => session.app.expectFiguresOf(report);

test('a one-week filter over a 180-day manifest skips the days before it, fetches only footers and unskipped row groups, and equals the CLI', async () => {
  const { app, page } = session;
  await page.request.get(`${process.env.E2E_BASE_URL}__stats/reset`);
  const src = 'data/ds180/manifest.json';
  await app.goto(`?src=${src}&from=${WEEK.from}&to=${WEEK.to}`);
  await app.waitForData(src);
  await app.openAllSections();
  const week = reference('week');
  await expectFiguresOf(week);
  const shown = await dataset.pruning();
  const { files, files_skipped, row_groups, row_groups_skipped, bytes, bytes_skipped } = week.pruning;
  expect(shown).toEqual({ files, files_skipped, row_groups, row_groups_skipped, bytes, bytes_skipped, files_already_loaded: 0 });
  // Every file has its own watch times, so its folder's date skips nothing: each file is
  // skipped by its row groups' statistics. Every row of a day before the week was watched
  // before it, so those days are skipped whole; a later day holds late updates of earlier
  // events (the week's among them), so only its row groups that hold none may be skipped.
  const folder = join(work(), 'ds180');
  const days = readdirSync(folder).filter((name) => name.startsWith('date='));
  const daysBefore = days.filter((name) => name.slice('date='.length) < WEEK.from).length;
  expect(daysBefore, 'the week lies inside the dataset').toBeGreaterThan(0);
  expect(files_skipped, 'the days before the week are skipped whole').toBeGreaterThanOrEqual(daysBefore);
  expect(bytes_skipped, 'their row data is not fetched').toBeGreaterThan(0);

  const total = days.reduce((sum, day) => sum + statSync(join(folder, day, 'part-0.parquet')).size, 0);
  const fetched = await served('data/ds180/');
  const fraction = fetched.bytes / total;
  console.log(`one week of 180 days: fetched ${fetched.bytes} of ${total} bytes (${(100 * fraction).toFixed(1)}%) in ${fetched.requests} requests`);
  expect(fetched.bytes, 'no byte of a skipped file or row group is fetched').toBeLessThanOrEqual(total - bytes_skipped);
  await session.screenshot('datasets-week-of-180');
});

test('opening the same manifest again continues from the stored state: footers only', async () => {
  const { app, page } = session;
  await dataset.storedBytes((bytes) => bytes > 0);
  await page.request.get(`${process.env.E2E_BASE_URL}__stats/reset`);
  const src = 'data/ds180/manifest.json';
  await app.goto(`?src=${src}&from=${WEEK.from}&to=${WEEK.to}`);
  await app.waitForData(src);
  await app.openAllSections();
  await expect(dataset.restoredBanner).toContainText("Restored from this browser's storage");
  await expect(dataset.addedSummary).toContainText('Added 0 new files; 180 already loaded');
  await expectFiguresOf(reference('week'));
  const fetched = await served('data/ds180/');
  const footers = await footerBytes(join(work(), 'ds180'));
  console.log(`reopened: fetched ${fetched.bytes} bytes in ${fetched.requests} requests (footers: ${footers})`);
  expect(fetched.bytes, 'each file: its 64-byte head and its footer, nothing else').toBeLessThanOrEqual(footers + 180 * 64);
});

test('a plain list of URLs on a server without Range loads the same week', async () => {
  const { app } = session;
  const src = 'data-norange/ds180/files.txt';
  await app.goto(`?src=${src}&from=${WEEK.from}&to=${WEEK.to}`);
  await app.waitForData(src);
  await app.openAllSections();
  await expectFiguresOf(reference('week'));
});

test('an empty folder gets the same message as the CLI', async () => {
  const { app } = session;
  // The week loaded last is kept and comes back without ?src=; forget it for a fresh start.
  await app.goto('');
  await expect(dataset.restoredBanner).toContainText('date=2025-08-27/part-0.parquet (180 files)');
  await dataset.forget();
  await app.goto('');
  await expect(app.landing).toBeVisible();
  await dataset.openFolder(join(work(), 'empty-folder'));
  await expect(app.error.message).toHaveText(
    'empty-folder is a directory with no data files (.parquet, .parq, .csv, or .ndjson or .jsonl event logs) in it',
  );
  await expect(app.landing).toBeVisible();
});

test('a folder plus a new day equals a full recompute, and is stored', async () => {
  const { app } = session;
  await app.goto('');
  await dataset.openFolder(join(work(), 'ds10'));
  await app.waitForData('ds10/ (10 files)');
  await app.openAllSections();
  const first = await dataset.storedBytes((bytes) => bytes > 0);
  await dataset.addFolder(join(work(), 'ds11'));
  await app.waitForData('ds10/ (10 files) + ds11/ (11 files)');
  await app.openAllSections();
  await expect(dataset.addedSummary).toContainText('Added 1 new file; 10 already loaded');
  await expectFiguresOf(reference('ds11'));
  expect((await dataset.pruning()).files_already_loaded).toBe(10);
  const second = await dataset.storedBytes((bytes) => bytes !== first && bytes > 0);
  console.log(`stored state: ${first} bytes for 10 days, ${second} for 11`);
});

test('after a reload the stored dataset is shown at once and takes the next day', async () => {
  const { app, page } = session;
  await page.reload();
  await expect(dataset.restoredBanner).toContainText("Restored from this browser's storage", { timeout: 15_000 });
  await expect(dataset.restoredBanner).toContainText('date=2025-03-11/part-0.parquet');
  await expect(app.dataLabel).toHaveText('Showing the dataset stored in this browser');
  await expectFiguresOf(reference('ds11'));

  // A new date range needs the rows, which the stored analysis does not have: said, not guessed.
  await dataset.dateFrom.fill('2025-03-05');
  await dataset.dateFrom.dispatchEvent('change');
  await expect(app.error.message).toContainText('restored from this browser', { timeout: 15_000 });
  await expect(dataset.dateFrom).toHaveValue('');
  await expectFiguresOf(reference('ds11'));
  await app.error.dismiss();

  await dataset.addFolder(join(work(), 'ds12'));
  await expect(dataset.addedSummary).toContainText('Added 1 new file; 11 already loaded', { timeout: 60_000 });
  await expectFiguresOf(reference('ds12'));
  session.expectOnlyLocalRequests();
});

test('"Forget this data" empties the storage and the next visit starts afresh', async () => {
  const { app, page } = session;
  await dataset.storedBytes((bytes) => bytes > 0);
  // Forgetting starts a fresh worker (ending the old one), and a reload (this one, or the
  // previous journey's, whose abort can be reported late) cuts off the download of a worker's
  // script or wasm: such an abort is not a failure of the page, any other failed request still
  // is. The page settles before the check, so that a late abort is seen.
  await dataset.forget();
  await expect(dataset.storedSize.first()).toContainText('0 bytes');
  await page.reload();
  await expect(app.landing).toBeVisible();
  await expect(app.dashboard).toBeHidden();
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(500);
  const abortedWorkerFile = /\/coursepulse-worker(-full)?(_bg\.wasm|_loader\.js|\.js): net::ERR_ABORTED$/;
  session.failedRequests = session.failedRequests.filter((failure) => !abortedWorkerFile.test(failure));
  session.expectNoErrors();
});
