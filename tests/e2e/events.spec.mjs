// Journeys with player event logs (issue 16): an analyst drops a log of at least 100k events
// (CSV, xAPI JSON lines, Parquet) with its videos.csv on the page, and the dashboard's
// event-derived figures equal `coursepulse report LOG --videos videos.csv --format json` on the
// same files: the headline figures, a picked video's quartiles and retention points, the
// lineage and every event rule's count. Then the mixed-input error, and screenshots of the
// Events section at desktop and phone sizes in both themes. The logs are generated here, by the
// fixtures generator, into the folder the test server serves as data/.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { DatasetPanel } from './pages/dataset-panel.mjs';
import { groupThousands, isTwoDecimals, tools } from './support/reference.mjs';
import { Session } from './support/session.mjs';

/// The shared words of the CLI's and the page's refusal of rows mixed with event logs.
const MIXED = 'is not an event log (no event type and playhead position columns), and rows with a completion column cannot be mixed with event logs in one report';

test.describe.configure({ mode: 'serial' });

let session;
const logs = {};
test.beforeAll(async ({ browser }) => {
  const work = process.env.E2E_WORK;
  const { cli, fixtures } = tools();
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (const [format, extension, events] of [
    ['csv', 'csv', 120_000],
    ['ndjson', 'ndjson', 100_000],
    ['parquet', 'parquet', 120_000],
    ['csv', 'csv', 20_000],
  ]) {
    const folder = `events-${format}-${events}`;
    const directory = join(work, folder);
    mkdirSync(directory, { recursive: true });
    run(fixtures, ['events', directory, '--events', String(events), '--parts', '1', '--format', format, '--seed', '16']);
    const log = join(directory, `events-0.${extension}`);
    const reference = JSON.parse(
      run(cli, ['report', log, '--videos', join(directory, 'videos.csv'), '--samples', '200', '--format', 'json', '--now', now], [0, 1]),
    );
    logs[`${format}-${events}`] = { folder, name: `events-0.${extension}`, reference };
  }
  session = await Session.open(browser);
}, 300_000);
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

function run(program, args, okCodes = [0]) {
  const result = spawnSync(program, args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (result.error || !okCodes.includes(result.status)) {
    throw new Error(`${program} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  }
  return result.stdout;
}

/// Drops `names` (files the test server serves from data/`folder`) on the page, as a reader
/// drags them from a file manager.
async function drop(page, folder, names) {
  const dataTransfer = await page.evaluateHandle(
    async ({ folder, names }) => {
      const transfer = new DataTransfer();
      for (const name of names) {
        const bytes = await (await fetch(`data/${folder}/${name}`)).arrayBuffer();
        transfer.items.add(new File([bytes], name));
      }
      return transfer;
    },
    { folder, names },
  );
  await page.dispatchEvent('html', 'dragover', { dataTransfer });
  await page.dispatchEvent('html', 'drop', { dataTransfer });
}

/// The video the journey picks: the one with the most viewers (not the first in the list, so
/// the picker is used).
function pickedVideo(reference) {
  const videos = reference.events.videos;
  let best = 1;
  videos.forEach((video, index) => {
    if (video.viewers > videos[best].viewers && video.retention.length === 100) best = index;
  });
  return best;
}

async function expectEventDashboard(page, app, log) {
  const { reference } = log;
  await app.waitForData(`${log.name}, videos.csv`);
  await app.openAllSections();

  const cards = await app.cardValues();
  expect.soft(cards.learners).toBe(groupThousands(reference.summary.learners));
  expect.soft(cards.videos).toBe(groupThousands(reference.summary.videos));
  expect.soft(cards.rows).toBe(groupThousands(reference.rows.total));
  expect.soft(isTwoDecimals(cards.mean, reference.summary.mean_completion), `mean ${cards.mean}, CLI ${reference.summary.mean_completion}`).toBe(true);

  const lineage = reference.events.lineage;
  for (const [testid, value] of [
    ['lineage-events', lineage.events_read],
    ['lineage-replayed', lineage.events_replayed],
    ['lineage-sessions', lineage.sessions],
    ['lineage-segments', lineage.segments],
    ['lineage-pairs', lineage.pairs],
  ]) {
    await expect.soft(page.getByTestId(testid), testid).toHaveAttribute('data-value', String(value));
  }
  expect(lineage.events_read).toBeGreaterThanOrEqual(100_000);

  // Every event rule, with the CLI's count; at least one finds something in generated logs.
  const rules = page.getByTestId('event-rule');
  await expect(rules).toHaveCount(reference.events.quality.length);
  for (const rule of reference.events.quality) {
    await expect.soft(page.locator(`[data-testid=event-rule][data-rule=${rule.rule}]`), rule.rule).toHaveAttribute('data-count', String(rule.count));
  }
  expect(reference.events.quality.some((rule) => rule.count > 0)).toBe(true);

  // One video, picked: its quartiles and retention curve.
  const index = pickedVideo(reference);
  const video = reference.events.videos[index];
  await page.getByTestId('event-video-picker').selectOption(String(index));
  await expect(page.getByTestId('event-video-figures')).toHaveAttribute('data-viewers', String(video.viewers));
  for (const [at, value] of [[25, video.quartiles.p25], [50, video.quartiles.p50], [75, video.quartiles.p75], [100, video.quartiles.p100]]) {
    const shown = Number(await page.getByTestId(`event-quartile-${at}`).getAttribute('data-value'));
    expect.soft(Math.abs(shown - value), `quartile ${at}: shown ${shown}, CLI ${value}`).toBeLessThan(1e-4);
  }
  const cells = await page.getByTestId('retention-table').locator('tbody tr td:nth-child(2)').allTextContents();
  expect(cells).toHaveLength(100);
  const wrong = [0, 10, 25, 50, 75, 90, 99]
    .filter((point) => !isTwoDecimals(cells[point], video.retention[point]))
    .map((point) => `${point} %: shown ${cells[point]}, CLI ${video.retention[point]}`);
  expect.soft(wrong, 'retention points').toEqual([]);
  // One path for the whole curve; the drop-offs marked.
  await expect(page.getByTestId('retention-path')).toHaveAttribute('d', /^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+){99}$/);
  await expect(page.locator('[data-testid=retention-chart] .drop-mark')).toHaveCount(video.drop_offs.length);
  // The keyboard reads a point through the shared tooltip.
  await page.getByTestId('retention-chart').focus();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('retention-tooltip')).toContainText('At 0 % of the video');
  await expect(page.getByTestId('event-catalogue')).toContainText('videos.csv');
}

for (const [key, what] of [
  ['csv-120000', 'a CSV event log'],
  ['ndjson-100000', 'an xAPI JSON-lines log'],
  ['parquet-120000', 'a Parquet event log'],
]) {
  test(`${what} dropped with its videos.csv gives the CLI's event figures`, async () => {
    test.setTimeout(180_000);
    const { app, page } = session;
    const log = logs[key];
    await app.goto('');
    await drop(page, log.folder, [log.name, 'videos.csv']);
    await expectEventDashboard(page, app, log);
    session.expectNoErrors();
  });
}

test('event logs mixed with rows of completion rates are refused with the CLI words', async () => {
  const { app, page } = session;
  const log = logs['csv-20000'];
  const work = process.env.E2E_WORK;
  const { cli } = tools();
  const refused = spawnSync(cli, ['report', join(work, log.folder, log.name), join(work, 'dirty.parquet'), '--format', 'json'], { encoding: 'utf8' });
  expect(refused.status).toBe(2);
  expect(refused.stderr).toContain(MIXED);

  await app.goto('');
  await app.pickFiles([join(work, log.folder, log.name), join(work, 'dirty.parquet')]);
  await expect(app.error.message).toContainText(`dirty.parquet ${MIXED}`);
  await expect(app.dashboard).toBeHidden();
});

test('an event dashboard is kept for the next visit, and a later log continues from its events', async () => {
  test.setTimeout(180_000);
  const { app, page } = session;
  const work = process.env.E2E_WORK;
  const { cli, fixtures } = tools();
  const folder = 'events-stored';
  const directory = join(work, folder);
  mkdirSync(directory, { recursive: true });
  run(fixtures, ['events', directory, '--events', '20000', '--parts', '2', '--format', 'csv', '--seed', '17']);
  const videos = join(directory, 'videos.csv');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const report = (names) =>
    JSON.parse(run(cli, ['report', ...names.map((name) => join(directory, name)), '--videos', videos, '--format', 'json', '--now', now], [0, 1]));
  const first = report(['events-0.csv']);
  const both = report(['events-0.csv', 'events-1.csv']);
  const expectFigures = async (reference) => {
    await expect(page.getByTestId('lineage-events')).toHaveAttribute('data-value', String(reference.events.lineage.events_read));
    await expect(page.getByTestId('lineage-pairs')).toHaveAttribute('data-value', String(reference.events.lineage.pairs));
    const cards = await app.cardValues();
    expect(cards.learners).toBe(groupThousands(reference.summary.learners));
    expect(isTwoDecimals(cards.mean, reference.summary.mean_completion), `mean ${cards.mean}, CLI ${reference.summary.mean_completion}`).toBe(true);
  };

  await app.goto('');
  await drop(page, folder, ['events-0.csv', 'videos.csv']);
  await app.waitForData('events-0.csv, videos.csv');
  await app.openAllSections();
  await expectFigures(first);
  const dataset = new DatasetPanel(page);
  await dataset.storedBytes((bytes) => bytes > 0);

  // The next visit shows the stored event dashboard without the logs.
  await page.reload();
  await expect(app.dashboard).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('restored-banner')).toBeVisible();
  await app.openAllSections();
  await expectFigures(first);

  // A later log is added to the stored events: the pairs it touches are derived again, and the
  // figures are the CLI's over both logs.
  await dataset.addFilesInput.setInputFiles(join(directory, 'events-1.csv'));
  await expectFigures(both);
  await dataset.forget();
  session.expectNoErrors();
});

for (const [width, height] of [[1366, 860], [390, 844]]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`the Events section at ${width}x${height} in the ${colorScheme} theme`, async ({ browser }) => {
      const shots = await Session.open(browser, { colorScheme, viewport: { width, height } });
      try {
        const { app, page } = shots;
        const log = logs['csv-20000'];
        await app.goto('');
        await drop(page, log.folder, [log.name, 'videos.csv']);
        await app.waitForData(`${log.name}, videos.csv`);
        await app.openSection('events');
        const section = page.locator('#events');
        await page.getByTestId('retention-chart').hover({ position: { x: 40, y: 20 } });
        await expect(page.getByTestId('retention-tooltip')).toBeVisible();
        const box = await section.boundingBox();
        expect(box.x + box.width, '#events fits the window').toBeLessThanOrEqual(width + 1);
        expect(await app.horizontalOverflow(), 'no horizontal scroll').toBeLessThanOrEqual(0);
        await shots.screenshot(`events-${width}-${colorScheme}`, section);
        shots.expectNoErrors();
      } finally {
        await shots.close();
      }
    });
  }
}
