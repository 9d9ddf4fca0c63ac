// Journey: a report to hand over. "Download report" on the sample writes one HTML file that,
// opened from file:// with nothing else, shows the page's figures (mean, counts, needs attention,
// top and bottom learners, quality) and makes no request; unmasked learner ids stay out of it
// unless asked for. With dates set, the file carries the period comparison as the page shows
// it, and each rule's levels with the one crossed. Print media hides the controls and keeps the
// overview.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';

import { OverviewPanel, PeriodComparison } from './pages/app-page.mjs';
import { inputs } from './support/reference.mjs';
import { ARTIFACTS, Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

let session;
let overview;
test.beforeAll(async ({ browser }) => {
  session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
  overview = new OverviewPanel(session.page);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// Clicks "Download report" and saves the file as artifacts/NAME.html; returns its path.
async function downloadReport(page, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-report').click()]);
  expect(download.suggestedFilename()).toBe('coursepulse-report.html');
  const path = join(ARTIFACTS, `${name}.html`);
  await download.saveAs(path);
  return path;
}

test('the downloaded report opens from file:// with the page figures and no request', async ({ browser }) => {
  const { app, page } = session;
  await app.goto('?src=sample');
  await app.waitForData('the sample data');
  await app.openAllSections();
  const path = await downloadReport(page, 'report-sample');
  const html = readFileSync(path, 'utf8');
  expect(html).not.toMatch(/<script/i);

  const pageFigures = {
    mean: await overview.mean.innerText(),
    learners: await overview.learners.innerText(),
    attention: String(await overview.learnerCountValue()),
    top: await app.learners.top.locator('tbody tr').count(),
    rules: await app.quality.rules.count(),
  };
  const offline = await browser.newContext({ offline: true });
  const requests = [];
  offline.on('request', (request) => requests.push(request.url()));
  try {
    const tab = await offline.newPage();
    await tab.goto(pathToFileURL(path).href);
    await expect(tab.locator('h1')).toContainText('CoursePulse report: the sample data');
    await expect(tab.locator('[data-figure=mean]')).toHaveText(pageFigures.mean);
    await expect(tab.locator('[data-figure=learners]')).toHaveText(pageFigures.learners);
    await expect(tab.locator('[data-figure=attention-count] strong')).toHaveText(pageFigures.attention);
    await expect(tab.locator('table[data-list=top] tbody tr')).toHaveCount(pageFigures.top);
    await expect(tab.locator('#quality tbody tr')).toHaveCount(pageFigures.rules);
    await expect(tab.locator('#provenance')).toContainText('watch-logs.parquet');
    // The sample is not masked and ids were not asked for: none is in the file.
    const firstTop = await app.learners.top.locator('tbody tr').first().locator('td').nth(1).innerText();
    expect(html).not.toContain(`>${firstTop}<`);
    await expect(tab.locator('table[data-list=top] tbody tr').first()).toContainText('(hidden)');
    await tab.screenshot({ path: join(ARTIFACTS, 'report-file.png'), fullPage: true });
    expect(requests.filter((url) => !url.startsWith('file:')), 'requests from the report').toEqual([]);
  } finally {
    await offline.close();
  }

  // Asked for, the ids are in the report.
  await page.getByTestId('report-include-ids').check();
  const withIds = readFileSync(await downloadReport(page, 'report-sample-ids'), 'utf8');
  expect(withIds).toContain(`>${firstTopId(await app.learners.topRows())}<`);
  session.expectNoErrors();
});

function firstTopId(rows) {
  return rows[0].id;
}

test('with dates, the report file carries the period comparison and the rules\' levels as the page shows them', async ({ browser }) => {
  const { app, page } = session;
  const comparison = new PeriodComparison(page);
  const { range } = JSON.parse(readFileSync(join(process.env.E2E_WORK, 'ref-filters.json'), 'utf8'));
  await app.goto();
  await app.pickFiles(inputs().dirty);
  await app.waitForData('dirty.parquet');
  await comparison.setDates(range.from, range.to);
  await expect(comparison.heading).toHaveText(/^Against the previous \d+ days: /);
  await expect(comparison.root.getByTestId('comparison-mean')).toBeVisible();
  const shown = {};
  for (const key of ['mean', 'learners', 'videos', 'rows']) shown[key] = await comparison.row(key);
  const heading = await comparison.heading.innerText();
  await app.openSection('quality');
  const rules = await app.quality.rules.evaluateAll((rows) =>
    rows.map((row) => ({
      name: row.dataset.rule,
      status: row.dataset.status,
      warnIf: row.querySelector('[data-testid=rule-warn-if]').firstChild.textContent.trim(),
      errorIf: row.querySelector('[data-testid=rule-error-if]').firstChild.textContent.trim(),
      crossed: row.querySelector('[data-crossed=true]')?.dataset.testid ?? null,
    })),
  );
  expect(rules.some((rule) => rule.crossed), 'the dirty file crosses some level').toBe(true);
  const path = await downloadReport(page, 'report-dirty-period');

  const offline = await browser.newContext({ offline: true });
  try {
    const tab = await offline.newPage();
    await tab.goto(pathToFileURL(path).href);
    await expect(tab.locator('#comparison h2')).toHaveText(heading);
    for (const [key, row] of Object.entries(shown)) {
      const cells = tab.locator(`#comparison tr[data-comparison=${key}] td`);
      await expect(cells.nth(0), `${key} this period`).toHaveText(row.current);
      await expect(cells.nth(1), `${key} previous period`).toHaveText(row.previous);
      await expect(cells.nth(2), `${key} change`).toHaveText(row.shown);
      await expect(cells.nth(2), `${key} change in words`).toHaveAttribute('title', row.words);
    }
    await expect(tab.locator('#quality')).toContainText('warns above one share of the rows and fails above another');
    const inFile = await tab.locator('#quality tbody tr').evaluateAll((rows) =>
      rows.map((row) => {
        const cells = row.querySelectorAll('td');
        return {
          name: row.dataset.rule,
          status: cells[0].textContent,
          warnIf: cells[4].firstChild.textContent.trim(),
          errorIf: cells[5].firstChild.textContent.trim(),
          crossed: cells[4].dataset.crossed ? 'rule-warn-if' : cells[5].dataset.crossed ? 'rule-error-if' : null,
        };
      }),
    );
    expect(inFile).toEqual(rules);
    await tab.screenshot({ path: join(ARTIFACTS, 'report-file-period.png'), fullPage: true });
  } finally {
    await offline.close();
  }
  session.expectNoErrors();
});

test('print media hides the controls and keeps the overview and the panels', async () => {
  const { page } = session;
  await page.emulateMedia({ media: 'print' });
  try {
    await expect(overview.root).toBeVisible();
    await expect(overview.attention).toBeVisible();
    await expect(overview.nav).toBeHidden();
    await expect(page.getByTestId('download-report')).toBeHidden();
    await expect(page.getByTestId('filters')).toBeHidden();
    await expect(page.getByTestId('panel-quality')).toBeVisible();
    await page.screenshot({ path: join(ARTIFACTS, 'print-media.png'), fullPage: true });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
  } finally {
    await page.emulateMedia({ media: 'screen' });
  }
});
