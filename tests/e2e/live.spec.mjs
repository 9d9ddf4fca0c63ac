// Journey: live mode. A dataset on a static host behind a manifest, opened with
// `?src=…/manifest.json&refresh=…`: when the server's manifest gains a day, the next refresh (the
// timer's, then "Refresh now") shows the new rows without a reload, equal to the CLI's report of
// all the files, and the server's log shows that no old file was fetched again. A manifest that
// cannot be read, or that drops a loaded file, gives a notice and keeps the dashboard. The date
// filter's relative window ("last 7 days of data", `window=7d`) ends on the newest day.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { LiveControl } from './pages/live-control.mjs';
import { tools } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

const SRC = 'data/live/manifest.json';
const work = () => process.env.E2E_WORK;
const reference = (name) => JSON.parse(readFileSync(join(work(), `ref-${name}.json`), 'utf8'));

let session;
let live;
/// ds12's days (the first ten are ds10's, the first eleven ds11's: same seed, same bytes).
let days;

/// Serves the first `count` days of ds12 (from `first`) under data/live/, listed by its manifest
/// (written last, as a sink publishes it); `manifest` replaces the list with other text.
function publish(count, { first = 0, manifest } = {}) {
  const folder = join(work(), 'live');
  mkdirSync(folder, { recursive: true });
  const listed = days.slice(first, count);
  for (const day of listed) cpSync(join(work(), 'ds12', day), join(folder, day), { recursive: true });
  const files = listed.map((day) => `${day}/part-0.parquet`);
  writeFileSync(join(folder, 'manifest.json'), manifest ?? JSON.stringify({ files }));
  return files;
}

/// Requests and bytes the server sent per file under data/live/.
async function servedFiles() {
  const response = await session.page.request.get(`${process.env.E2E_BASE_URL}__stats`);
  const prefix = new URL('data/live/', process.env.E2E_BASE_URL).pathname;
  return Object.fromEntries(
    Object.entries(await response.json())
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, entry]) => [key.slice(prefix.length), entry]),
  );
}

/// The CLI's JSON report of `args`.
function cliReport(args) {
  const result = spawnSync(tools().cli, ['report', ...args, '--format', 'json'], { encoding: 'utf8' });
  expect([0, 1], result.stderr).toContain(result.status);
  return JSON.parse(result.stdout);
}

async function expectFiguresOf(report) {
  await session.app.expectFiguresOf(report);
}

test.beforeAll(async ({ browser }) => {
  days = readdirSync(join(work(), 'ds12')).filter((name) => name.startsWith('date=')).sort();
  expect(days).toHaveLength(12);
  session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
  live = new LiveControl(session.page);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

test('the timer adds the day the manifest gains, without a reload and without fetching the old days again', async () => {
  const { app, page } = session;
  const oldFiles = publish(10);
  const ten = cliReport([join(work(), 'live', 'manifest.json')]);
  await page.request.get(`${process.env.E2E_BASE_URL}__stats/reset`);
  // Below the minimum: refreshed every 10 s, and the page says so.
  await app.goto(`?src=${SRC}&refresh=3`);
  await app.waitForData(SRC);
  await expect(live.notice).toContainText('refresh=3 is below the minimum of 10 seconds');
  await expect(live.interval).toHaveValue('10');
  await expect(page).toHaveURL(/refresh=10(&|$)/);
  await app.openAllSections();
  await expectFiguresOf(ten);
  const before = await servedFiles();
  expect(Object.keys(before).filter((name) => name.endsWith('.parquet')).sort()).toEqual(oldFiles);
  for (const name of oldFiles) {
    expect(before[name].bytes, `${name}: each byte once (8-byte footer probe aside)`).toBeLessThanOrEqual(before[name].size + 8);
  }
  // A mark that a reload would wipe.
  await page.evaluate(() => {
    window.liveJourneyMark = 'not reloaded';
  });
  const refreshes = await live.refreshes();

  const [newFile] = publish(11).slice(10);
  await live.waitForRefresh(refreshes, 1);
  await expectFiguresOf(reference('ds11'));
  expect(await page.evaluate(() => window.liveJourneyMark)).toBe('not reloaded');
  await expect(app.dataLabel).toHaveText(`Showing ${SRC}`);
  await expect(page.locator('details.section:not([open])'), 'the open sections stay open').toHaveCount(0);
  await expect(app.announcer).toContainText('new file');
  const after = await servedFiles();
  for (const name of oldFiles) {
    expect(after[name], `${name} is not fetched again`).toEqual(before[name]);
  }
  expect(after[newFile].requests).toBeGreaterThan(0);
  expect(after['manifest.json'].requests, 'the manifest, read again').toBeGreaterThan(before['manifest.json'].requests);
  session.expectNoErrors();
});

test('"Refresh now": a broken manifest and a dropped file give notices, the dashboard stays', async () => {
  const { app, page } = session;
  await live.choose('Off');
  await expect(page).not.toHaveURL(/refresh=/);
  // A manifest mid-write: the notice says so, the figures stay.
  publish(11, { manifest: '{"files": ["date=' });
  await live.refreshNow();
  await expect(live.notice).toContainText('could not read the manifest');
  await expect(live.notice).toContainText('is not valid JSON');
  await expectFiguresOf(reference('ds11'));
  await expect(live.root).toBeVisible();

  // The sink drops the first day and adds the twelfth: the new day is read, the dropped one
  // is said and still counted.
  const before = await servedFiles();
  const refreshes = await live.refreshes();
  publish(12, { first: 1 });
  await live.refreshNow();
  await live.waitForRefresh(refreshes, 1);
  await expect(live.notice).toContainText(`The manifest no longer lists ${days[0]}/part-0.parquet`);
  await expectFiguresOf(reference('ds12'));
  const after = await servedFiles();
  for (const day of days.slice(0, 11)) {
    const name = `${day}/part-0.parquet`;
    expect(after[name], `${name} is not fetched again`).toEqual(before[name]);
  }

  // Nothing new: a refresh that adds nothing says so.
  const quiet = await live.refreshes();
  await live.refreshNow();
  await live.waitForRefresh(quiet, 0);
  await expectFiguresOf(reference('ds12'));

  await session.screenshot('live-control-1366', page.locator('.view-bar'));
  await page.setViewportSize({ width: 390, height: 844 });
  const box = await live.root.boundingBox();
  expect(box.x + box.width, 'the control fits a phone').toBeLessThanOrEqual(391);
  await session.screenshot('live-control-390', page.locator('.view-bar'));
  session.expectNoErrors();
});

test('a relative window ends on the newest day, is in the URL, and a typed day ends it', async () => {
  const { app, page } = session;
  await page.setViewportSize({ width: 1366, height: 860 });
  const window = page.getByTestId('date-window');
  await window.selectOption({ label: 'Last 7 days of data' });
  // ds12's newest day is its twelfth; seven days back includes it.
  const newest = days[11].slice('date='.length);
  const first = new Date(Date.parse(`${newest}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  await expect(page.getByTestId('date-from')).toHaveValue(first);
  await expect(page).toHaveURL(/window=7d(&|$)/);
  await expect(page).not.toHaveURL(/from=/);
  await expectFiguresOf(cliReport([join(work(), 'ds12'), '--from', first]));
  await session.screenshot('live-window-1366', page.locator('.view-bar'));

  // The link opens the same window.
  await app.goto(`?src=${SRC}&window=7d`);
  await app.waitForData(SRC);
  await app.openAllSections();
  await expect(page.getByTestId('date-from')).toHaveValue(first);
  await expect(window).toHaveValue('7');

  // A typed first day replaces the window.
  const typed = days[3].slice('date='.length);
  await page.getByTestId('date-from').fill(typed);
  await page.getByTestId('date-from').dispatchEvent('change');
  await expect(window).toHaveValue('');
  await expect(page).toHaveURL(new RegExp(`from=${typed}`));
  await expect(page).not.toHaveURL(/window=/);
  session.expectNoErrors();
});
