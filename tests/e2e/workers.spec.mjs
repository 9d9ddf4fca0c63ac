// Journey: a load read on several analysis workers. With `?workers=2` the page's worker reads the
// first share of the row groups and a second worker, which it starts, reads the other; their
// analyses are merged. The dashboard is the one `?workers=1` shows, which is the CLI's; a filter
// change after it is answered from the merged kept rows, the offending rows' values included;
// Cancel ends every worker of the load; an input that fails in the other worker's share fails
// the load with the one-worker message, and the page goes on working.
import { expect, test } from '@playwright/test';

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { inputs, tools } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

let session;
const files = inputs();
const filters = () => JSON.parse(readFileSync(join(process.env.E2E_WORK, 'ref-filters.json'), 'utf8'));
/// A Parquet file whose first row group cannot be read (its page header is garbage), from the
/// bad-input corpus: placed after the dirty file, it falls in the second worker's share.
const GARBAGE = join(dirname(fileURLToPath(import.meta.url)), '..', 'bad-inputs', 'parquet-page-header-garbage.parquet');

/// Large enough to take a few seconds on two workers, for Cancel.
const BIG = () => join(process.env.E2E_WORK, 'workers-big.parquet');

test.beforeAll(async ({ browser }) => {
  test.setTimeout(180_000);
  if (!existsSync(BIG())) {
    const args = ['file', BIG(), '--rows', '3000000', '--learners', '30000', '--courses', '6', '--videos-per-course', '10', '--seed', '9'];
    const made = spawnSync(tools().fixtures, args, { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`the fixtures generator failed: ${made.stderr}`);
  }
  session = await Session.open(browser, { viewport: { width: 1366, height: 900 } });
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// Opens the app with `?workers=N`, loads `paths` from disk and waits for the dashboard read on
/// `expected` workers (a dashboard restored from storage says 0, so it is never mistaken for it).
async function load(workers, paths, expected) {
  const { app, page } = session;
  await app.goto(`?workers=${workers}`);
  await app.pickFiles(paths);
  const line = page.getByTestId('analysed');
  await expect(line).toHaveAttribute('data-workers', String(expected), { timeout: 60_000 });
  await app.waitForData(paths.length === 1 ? 'dirty.parquet' : `${paths.length} files`);
  await app.openAllSections();
  return (await line.textContent()).trim();
}

/// Everything the page shows of a dataset's figures: cards, both learner lists, every course,
/// every rule's count and status.
async function figures() {
  const { app, page } = session;
  return {
    cards: await app.cardValues(),
    top: await app.learners.topRows(),
    bottom: await app.learners.bottomRows(),
    courses: await page.getByTestId('course-card').allInnerTexts(),
    rules: await app.quality.ruleRows(),
  };
}

test('two workers show exactly what one worker shows, which is the CLI report', async () => {
  const { app, page } = session;
  const reference = files.reference;
  const one = await load(1, [files.dirty], 1);
  expect(one).toMatch(/^Analysed in \d+ ms\.$/);
  await app.expectFiguresOf(reference);
  const onOne = await figures();
  expect(onOne.rules.map(({ name, count }) => ({ name, count }))).toEqual(
    reference.quality.rules.map((rule) => ({ name: rule.name, count: rule.count })),
  );

  expect(onOne.courses.length, 'every course has its card').toBe(reference.courses.length);

  const two = await load(2, [files.dirty], 2);
  expect(two).toMatch(/^Analysed in \d+ ms, read on 2 workers\.$/);
  await app.expectFiguresOf(reference);
  expect(await figures()).toEqual(onOne);
  // The second worker ended with its load.
  await expect.poll(() => session.analysisWorkers().length).toBe(1);
  await session.screenshot('workers-dataset-panel', page.getByTestId('panel-sources'));
  session.expectNoErrors();
});

test('a filter change after a two-worker load is answered from the merged rows, sample values included', async () => {
  const { app, page } = session;
  const { course, course_report } = filters();
  await page.getByTestId('course-filter').selectOption(course);
  const line = page.getByTestId('analysed');
  await expect(line).toHaveAttribute('data-from-kept-rows', 'true');
  expect(Number(await line.getAttribute('data-bytes-read'))).toBe(0);
  await app.expectFiguresOf(course_report);
  const rules = await app.quality.ruleRows();
  expect(rules.map(({ name, count }) => ({ name, count }))).toEqual(
    course_report.quality.rules.map((rule) => ({ name: rule.name, count: rule.count })),
  );
  // Offending rows come from both workers' shares: their values are read back from the file.
  const rule = course_report.quality.rules.find((candidate) => candidate.samples.length > 0);
  await app.quality.showRows(rule.name);
  const firstPage = rule.samples.slice(0, 50);
  const headers = await app.quality.samplesTable.headers();
  const shown = await app.quality.samplesTable.rows();
  const names = Object.keys(firstPage[0].values);
  expect(shown.map((cells) => Number(cells[headers.indexOf('Row')].replace(/,/g, '')))).toEqual(
    firstPage.map((sample) => sample.row),
  );
  expect(shown.map((cells) => names.map((name) => cells[headers.indexOf(name)]))).toEqual(
    firstPage.map((sample) => names.map((name) => sample.values[name] ?? '—')),
  );
  session.expectNoErrors();
});

test('?workers=auto reads a large load on every core the browser reports', async () => {
  const { app, page } = session;
  await app.goto('?workers=auto');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // 3M rows in many row groups: one worker per 250k rows would be 12, so the cores (at most 8)
  // decide. The page hands `auto` on to its worker, which counts the cores itself.
  await app.pickFiles([BIG()]);
  const line = page.getByTestId('analysed');
  await expect(line).toHaveAttribute('data-workers', String(Math.max(1, Math.min(cores, 8))), { timeout: 90_000 });
  session.expectNoErrors();
});

test('Cancel ends every worker of the load, and the next load runs', async () => {
  const { app, page } = session;
  await app.goto('?workers=2');
  await app.pickFiles([BIG()]);
  await expect(app.progress).toContainText(/row groups [1-9]\d* of/, { timeout: 30_000 });
  await expect.poll(() => session.analysisWorkers().length, { message: 'a share worker reads' }).toBe(2);
  await page.getByTestId('cancel').click();
  await expect(app.progress).toBeHidden({ timeout: 5_000 });
  await expect(app.error.root).toBeHidden();
  await expect.poll(() => session.analysisWorkers().length, { message: 'the share worker is gone' }).toBe(1);

  // The next load runs, on two workers again.
  await load(2, [files.dirty], 2);
  await app.expectFiguresOf(files.reference);
  // Ending a share worker may cut off the download of its script or wasm: not a failure of the
  // page; any other failed request still is. Excused only now, after the next load, since the
  // browser may report the abort late (a fresh-clone CI run saw it after an earlier check).
  // Chromium has named the cut-off ERR_ABORTED, and ERR_FAILED once (a fresh-clone CI run on a
  // busy machine, the worker's wasm). A worker file that really failed would have failed the
  // load just checked, which fetched the same files.
  const abortedWorkerFile = /\/coursepulse-worker(-full)?(_bg\.wasm|_loader\.js|\.js)(\?[^:]*)?: net::ERR_(ABORTED|FAILED)$/;
  session.failedRequests = session.failedRequests.filter((failure) => !abortedWorkerFile.test(failure));
  session.expectNoErrors();
});

test('an input that fails in the other worker\'s share fails the load as on one worker; the page goes on', async () => {
  const { app } = session;
  const garbage = join(process.env.E2E_WORK, 'parquet-page-header-garbage.parquet');
  copyFileSync(GARBAGE, garbage);
  const message = async (workers) => {
    await app.goto(`?workers=${workers}`);
    await app.pickFiles([files.dirty, garbage]);
    await expect(app.error.message).toBeVisible({ timeout: 30_000 });
    const text = (await app.error.message.textContent()).trim();
    await app.error.dismiss();
    return text;
  };
  const onOne = await message(1);
  expect(onOne).toContain('parquet-page-header-garbage.parquet');
  expect(onOne).toContain('row group 1 of 2');
  expect(await message(2)).toBe(onOne);
  await expect.poll(() => session.analysisWorkers().length).toBe(1);
  // The page still works: the dirty file loads on two workers.
  await load(2, [files.dirty], 2);
  await app.expectFiguresOf(files.reference);
  session.expectNoErrors();
});
