// Journey: a report to hand over. "Download report" on the sample writes one HTML file that,
// opened from file:// with nothing else, shows the page's figures (mean, counts, needs attention,
// top and bottom learners, quality) and makes no request; unmasked learner ids stay out of it
// unless asked for. Print media hides the controls and keeps the overview.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from '@playwright/test';

import { OverviewPanel } from './pages/app-page.mjs';
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
