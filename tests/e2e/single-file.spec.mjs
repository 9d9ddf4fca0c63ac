// Journey: the single-file demo (target/single-file/coursepulse.html, `cargo xtask single-file`)
// double-clicked from a USB stick: opened from a file:// URL, with no server, it shows the
// bundled sample and opens a local file through the picker, and it asks the network for nothing.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';

import { AppPage } from './pages/app-page.mjs';
import { groupThousands, inputs, isTwoDecimals } from './support/reference.mjs';
import { countCards, expectedCards, sampleReference } from './support/sample-reference.mjs';
import { ARTIFACTS } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

const SINGLE_FILE = resolve(process.env.E2E_SINGLE_FILE ?? 'target/single-file/coursepulse.html');

let context;
let page;
let app;
const requests = [];
const problems = [];
test.beforeAll(async ({ browser }) => {
  if (!existsSync(SINGLE_FILE)) {
    throw new Error(`${SINGLE_FILE} does not exist: run \`cargo xtask single-file --no-build\` (after trunk build --release)`);
  }
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.on('request', (request) => requests.push(request.url()));
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  app = new AppPage(page);
});
test.afterAll(async () => {
  await context?.close();
});

test('opened from file://, the sample dashboard shows the right figures', async () => {
  const reference = sampleReference();
  await page.goto(pathToFileURL(SINGLE_FILE).href);
  await expect(page.getByTestId('app-title')).toBeVisible();
  await app.trySample();
  await app.openAllSections();
  const cards = await app.cardValues();
  expect(countCards(cards)).toEqual(expectedCards(reference));
  expect(isTwoDecimals(cards.mean, reference.summary.mean_completion), `mean ${cards.mean}`).toBe(true);
  await expect(app.learners.mostWatchedId).toHaveText(reference.most_watched_learner.student_id);
  await expect(app.learners.table.summary).toHaveText(`Rows 1–50 of ${cards.learners}`);
  await page.screenshot({ path: `${ARTIFACTS}/single-file-sample.png`, fullPage: true });
});

test('a local file opens through the picker', async () => {
  const { dirty, reference } = inputs();
  await app.pickFiles([dirty]);
  await app.waitForData('dirty.parquet');
  await app.openAllSections();
  const cards = await app.cardValues();
  expect(cards.rows).toBe(groupThousands(reference.rows.total));
  expect(cards.learners).toBe(groupThousands(reference.summary.learners));
  expect(cards.videos).toBe(groupThousands(reference.summary.videos));
  const top = await app.learners.topRows();
  expect(top.length, 'rows in the top list').toBe(reference.learners_top.length);
  expect(top.map((row) => row.id)).toEqual(reference.learners_top.map((row) => row.student_id));
});

test('a Brotli file starts the full worker, also inlined', async () => {
  const { brotli, reference } = inputs();
  await app.pickFiles([brotli]);
  await app.waitForData('dirty-brotli.parquet');
  await app.openAllSections();
  expect((await app.cardValues()).learners).toBe(groupThousands(reference.summary.learners));
});

test('nothing but the file itself was requested, and nothing went wrong', async () => {
  const foreign = requests.filter((url) => !url.startsWith('file:') && !url.startsWith('blob:') && !url.startsWith('data:'));
  expect(foreign).toEqual([]);
  expect(problems).toEqual([]);
});
