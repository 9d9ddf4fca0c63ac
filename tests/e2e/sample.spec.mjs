// Journey: a first-time visitor tries the bundled sample, looks at every panel, opens a course
// and a quality rule; nothing goes wrong and nothing leaves 127.0.0.1.
import { expect, test } from '@playwright/test';

import { Session } from './support/session.mjs';

const PANELS = ['histogram', 'course-chart', 'daily', 'learners', 'courses', 'videos', 'quality', 'sources'];

test.describe.configure({ mode: 'serial' });

let session;
test.beforeAll(async ({ browser }) => {
  session = await Session.open(browser);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

const number = (text) => Number(text.replace(/[,%]/g, ''));

test('Try the sample: the dashboard appears with non-zero cards and no errors', async () => {
  const { app } = session;
  await app.goto();
  await expect(app.landing).toBeVisible();
  await expect(app.pitch).toContainText('your data never leaves this device');
  await session.screenshot('landing');

  await app.trySample();
  await app.openAllSections();
  await expect(app.landing).toBeHidden();
  const cards = await app.cardValues();
  for (const name of ['rows', 'students', 'learners', 'courses', 'videos', 'mean']) {
    expect(number(cards[name]), `card-${name} shows ${JSON.stringify(cards[name])}`).toBeGreaterThan(0);
  }
  expect(number(cards.students)).toBeLessThanOrEqual(number(cards.rows));
  expect(number(cards.mean)).toBeLessThanOrEqual(100);
  expect(cards.quality).toMatch(/^(\d+ failing|\d+ warnings|All passed)$/);

  await expect(app.learners.top.locator('tbody tr')).toHaveCount(10);
  await expect(app.learners.bottom.locator('tbody tr')).toHaveCount(10);
  await expect(app.learners.mostWatchedId).not.toBeEmpty();
  await expect(app.learners.table.summary).toHaveText(`Rows 1–50 of ${cards.learners}`);
  await expect(app.courses.cards).toHaveCount(number(cards.courses));
  await expect(app.quality.rules.first()).toBeVisible();
  // The page marks when the results are painted, for DevTools and the benchmark.
  await expect.poll(() => app.measures()).toContain('analysis');
  session.expectNoErrors();
});

test('every panel renders; screenshots in tests/e2e/artifacts/', async () => {
  const { app, page } = session;
  for (const chart of ['histogram', 'course-bars', 'daily-chart']) {
    await expect(page.getByTestId(chart), chart).toBeVisible();
  }
  // The files, mapping and lineage are in the collapsed Data section.
  await app.openData();
  for (const name of PANELS) {
    const panel = app.panel(name);
    await expect(panel, `panel-${name}`).toBeVisible();
    const box = await panel.boundingBox();
    expect(box.height, `panel-${name} height`).toBeGreaterThan(40);
    await session.screenshot(`sample-panel-${name}`, panel);
  }
  await session.screenshot('sample-full-page');
});

test("a course's videos and a quality rule's offending rows open in place", async () => {
  const { app } = session;
  const firstCourse = await app.courses.cards.first().getAttribute('data-course');
  await app.courses.openCourse(firstCourse);
  await expect(app.courses.videosTable.summary).toHaveText(/^Rows 1–\d+ of \d+$/);
  expect((await app.courses.videosTable.rows()).length).toBeGreaterThan(0);
  await session.screenshot('sample-course-videos', app.courses.videos);

  const rules = await app.quality.ruleRows();
  expect(rules.length).toBeGreaterThan(0);
  for (const rule of rules) expect(['pass', 'warn', 'fail', 'skipped']).toContain(rule.status);
  const offending = rules.find((rule) => rule.count > 0);
  expect(offending, 'the sample has at least one rule with offending rows').toBeTruthy();
  await app.quality.showRows(offending.name);
  await expect(app.quality.samplesTable.summary).toHaveText(/^Rows 1–\d+ of \d+$/);
  expect((await app.quality.samplesTable.rows()).length).toBeGreaterThan(0);
  await session.screenshot('sample-quality-samples', app.quality.root);
  session.expectNoErrors();
});

test('?src=sample in the address loads the sample under the sub-path', async () => {
  const { app } = session;
  await app.goto('?src=sample');
  await app.waitForData('the sample data');
  await app.openAllSections();
  await expect(app.learners.top.locator('tbody tr')).toHaveCount(10);
  session.expectNoErrors();
});

test('a file dropped anywhere on the page opens, even outside the centred layout', async () => {
  const { app, page } = session;
  await app.goto('');
  const dataTransfer = await page.evaluateHandle(async () => {
    const transfer = new DataTransfer();
    const bytes = await (await fetch('sample/watch-logs.parquet')).arrayBuffer();
    transfer.items.add(new File([bytes], 'dropped.parquet'));
    return transfer;
  });
  // The top-left corner is outside the app's centred column.
  await page.dispatchEvent('html', 'dragover', { dataTransfer });
  await page.dispatchEvent('html', 'drop', { dataTransfer });
  await app.waitForData('dropped.parquet');
  await app.openAllSections();
  await expect(app.learners.top.locator('tbody tr')).toHaveCount(10);
  session.expectNoErrors();
});

test('the column mapping can be adjusted on loaded data', async () => {
  const { app, page } = session;
  await app.goto('?src=sample');
  await app.waitForData('the sample data');
  await app.openAllSections();
  await app.openData();
  await page.getByTestId('adjust-mapping').first().click();
  const dialog = page.getByTestId('mapping-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('watch-logs.parquet has the columns:');
  await page.getByTestId('map-role').selectOption('(none)');
  await page.getByTestId('apply-mapping').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('notes')).toContainText('no role column', { timeout: 30_000 });
  session.expectNoErrors();
});

test('every request went to 127.0.0.1 (no third parties)', async () => {
  session.expectOnlyLocalRequests();
});
