// Journey: a percent-named column (`pct_watched`) that holds fractions. The user maps it on the
// mapping screen, the overview says the scale looks wrong and the quality panel warns
// (completion_scale), the mapping screen shows the scale in use and the finding; switching to
// "0–1 (fraction)" multiplies the mean by 100 and the warning goes.
import { expect, test } from '@playwright/test';

import { OverviewPanel } from './pages/app-page.mjs';
import { isTwoDecimals } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

/// 30 rows (more than the 20 values the check needs), every completion within 0..1.
const ROWS = Array.from({ length: 30 }, (_, row) => `S${row % 6},V${row % 4},C1,${((row * 3 + 2) / 100).toFixed(2)}`);
const CSV = `student_id,video_id,course_id,pct_watched\n${ROWS.join('\n')}\n`;
const FILE = { name: 'pct-watched.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) };
const VALUES = ROWS.map((row) => Number(row.split(',')[3]));
const MEAN = VALUES.reduce((sum, value) => sum + value, 0) / VALUES.length;

let session;
test.beforeAll(async ({ browser }) => {
  session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

test('fractions in a percent column raise the scale check, and switching the scale fixes the mean', async () => {
  const { app, page } = session;
  const overview = new OverviewPanel(page);
  await app.goto();
  await app.pickFiles(FILE);
  // No column is named like a completion: the mapping screen asks for it.
  await expect(app.mappingDialog).toBeVisible();
  await page.getByTestId('map-completion').selectOption('pct_watched');
  await page.getByTestId('apply-mapping').click();
  await app.waitForData('pct-watched.csv');

  // Read as percent (the name says pct): a mean below 1 % and a visible note.
  await expect(overview.mean).toHaveText(/%$/);
  expect(isTwoDecimals(await overview.mean.innerText(), MEAN), 'the mean read as percent').toBe(true);
  const note = page.getByTestId('scale-note');
  await expect(note).toBeVisible();
  await expect(note).toContainText(`pct-watched.csv: all ${VALUES.length} values lie within 0..1`);
  await app.openSection('quality');
  const rule = app.quality.rule('completion_scale');
  await expect(rule).toHaveAttribute('data-status', 'warn');
  await expect(rule.getByTestId('rule-count')).toHaveText(String(VALUES.length));
  await expect(rule.getByTestId('rule-warn-if')).toHaveAttribute('data-crossed', 'true');
  await expect(rule.getByTestId('rule-error-if')).toHaveText('never');
  await expect(overview.trustBadge).toContainText('Usable, with warnings');
  await session.screenshot('scale-check-note');

  // The note's button opens the mapping screen on the scale, with the finding beside it.
  await page.getByTestId('scale-note-fix').click();
  await expect(app.mappingDialog).toBeVisible();
  await expect(page.getByTestId('map-scale-in-use')).toContainText('Completion is read as 0–100 (percent)');
  await expect(page.getByTestId('map-scale-warning')).toContainText('read as percent');
  await page.getByTestId('map-scale').selectOption('fraction');
  await page.getByTestId('apply-mapping').click();
  await expect(app.mappingDialog).toBeHidden();

  await expect.poll(() => overview.mean.innerText(), { message: 'the mean read as a fraction' }).toBe(`${(MEAN * 100).toFixed(2)}%`);
  await expect(note).toBeHidden();
  await expect(app.quality.rule('completion_scale')).toHaveAttribute('data-status', 'pass');
  await app.openData();
  await app.adjustMappingButton.click();
  await expect(page.getByTestId('map-scale-in-use')).toContainText('Completion is read as 0–1 (fraction)');
  await expect(page.getByTestId('map-scale-warning')).toHaveCount(0);
  session.expectNoErrors();
});
