// Journey: a date range is compared with the previous period of the same length. With the
// generated dirty file, the overview's comparison shows this period's figures and the previous
// period's equal to the CLI's `report --from --to` for each (the previous range computed in
// global-setup.mjs, alone and with a course), the change as an arrow and a signed difference
// and the same in words, all from the rows kept in memory (no byte read); clearing the dates
// removes it. A CSV file (rows not kept) says the comparison is not available.
import { expect, test } from '@playwright/test';

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PeriodComparison } from './pages/app-page.mjs';
import { groupThousands, inputs, isTwoDecimals } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

let session;
let comparison;
const files = inputs();
const filters = () => JSON.parse(readFileSync(join(process.env.E2E_WORK, 'ref-filters.json'), 'utf8'));
test.beforeAll(async ({ browser }) => {
  session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
  comparison = new PeriodComparison(session.page);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// The count change as the page writes it: arrow, sign, grouped digits; and in words.
function countChange(now, before) {
  if (now === before) return { shown: '= 0', words: 'unchanged' };
  const size = groupThousands(Math.abs(now - before));
  return now > before ? { shown: `▲ +${size}`, words: `up ${size}` } : { shown: `▼ −${size}`, words: `down ${size}` };
}

/// Checks the comparison against the CLI's reports for this period and the previous one.
async function expectComparison(current, previous) {
  for (const [key, value] of [['learners', (r) => r.summary.learners], ['videos', (r) => r.summary.videos], ['rows', (r) => r.rows.total]]) {
    const row = await comparison.row(key);
    expect(row.current, `${key} this period`).toBe(groupThousands(value(current)));
    expect(row.previous, `${key} previous period`).toBe(groupThousands(value(previous)));
    expect({ shown: row.shown, words: row.words }, `${key} change`).toEqual(countChange(value(current), value(previous)));
  }
  const mean = await comparison.row('mean');
  expect(isTwoDecimals(mean.current, current.summary.mean_completion), `mean this period: ${mean.current}`).toBe(true);
  expect(isTwoDecimals(mean.previous, previous.summary.mean_completion), `mean previous period: ${mean.previous}`).toBe(true);
  // The change in points, one decimal: the arrow follows its sign and the words say the same.
  const difference = current.summary.mean_completion - previous.summary.mean_completion;
  const match = mean.shown.match(/^([▲▼=]) ([+−]?)(\d+\.\d) pts$/);
  expect(match, mean.shown).not.toBeNull();
  const [, arrow, sign, size] = match;
  const shownValue = (sign === '−' ? -1 : 1) * Number(size);
  expect(Math.abs(shownValue - difference), `${mean.shown} for ${difference}`).toBeLessThanOrEqual(0.05 + 1e-9);
  const direction = { '▲': 'up', '▼': 'down', '=': 'unchanged' }[arrow];
  expect(mean.words).toBe(direction === 'unchanged' ? 'unchanged' : `${direction} ${size} percentage points`);
}

test('a date range is compared with the previous period of the same length, from memory', async () => {
  const { app, page } = session;
  const { course, range, range_report, both_report, previous, previous_report, previous_both_report } = filters();
  // The check means something only if both periods have rows and differ.
  expect(previous_report.rows.total).toBeGreaterThan(0);
  expect(previous_report.summary.learners).not.toBe(range_report.summary.learners);
  await app.goto();
  await app.pickFiles(files.dirty);
  await app.waitForData('dirty.parquet');
  await expect(comparison.root, 'no comparison without dates').toHaveCount(0);

  await comparison.setDates(range.from, range.to);
  await expect(page.getByTestId('overview-learners')).toHaveText(groupThousands(range_report.summary.learners));
  await expect(comparison.heading).toHaveText(`Against the previous ${previous.days} days: ${previous.from} to ${previous.to}`);
  await expectComparison(range_report, previous_report);
  const analysed = page.getByTestId('analysed');
  await expect(analysed).toHaveAttribute('data-from-kept-rows', 'true');
  expect(Number(await analysed.getAttribute('data-bytes-read')), 'no byte of the file is read').toBe(0);
  await session.screenshot('period-comparison-1366', page.getByTestId('overview'));

  // The previous period keeps the course filter.
  await page.getByTestId('course-filter').selectOption(course);
  await expect(page.getByTestId('overview-learners')).toHaveText(groupThousands(both_report.summary.learners));
  await expectComparison(both_report, previous_both_report);
  expect(Number(await analysed.getAttribute('data-bytes-read'))).toBe(0);

  // On a phone and in dark mode the table stays inside the page.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await app.horizontalOverflow(), 'no sideways scroll on a phone').toBeLessThanOrEqual(0);
  await session.screenshot('period-comparison-390-dark', comparison.root);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1366, height: 860 });

  await page.getByTestId('clear-filters').click();
  await expect(page.getByTestId('overview-learners')).toHaveText(groupThousands(files.reference.summary.learners));
  await expect(comparison.root).toHaveCount(0);
  session.expectNoErrors();
});

test('a CSV file, whose rows are not kept, says the comparison is not available', async () => {
  const { app } = session;
  const lines = ['student_id,video_id,course_id,watched_at,completion_rate_percent'];
  for (let day = 1; day <= 10; day += 1) {
    for (const learner of ['S1', 'S2', 'S3']) {
      lines.push(`${learner},V${day % 4},C1,2025-03-${String(day).padStart(2, '0')}T10:00:00Z,${(day * 7 + learner.charCodeAt(1)) % 100}`);
    }
  }
  await app.goto();
  await app.pickFiles({ name: 'periods.csv', mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`) });
  await app.waitForData('periods.csv');
  await comparison.setDates('2025-03-06', '2025-03-10');
  await expect(comparison.heading).toHaveText('Against the previous 5 days: 2025-03-01 to 2025-03-05');
  await expect(comparison.unavailable).toContainText('Not available');
  await expect(comparison.root.getByTestId('comparison-table')).toHaveCount(0);
  session.expectNoErrors();
});
