// Journeys with player event logs (issue 16): an analyst drops a log of at least 100k events
// (CSV, xAPI JSON lines, Parquet) with its videos.csv on the page, and the dashboard's
// event-derived figures equal `coursepulse report LOG --videos videos.csv --format json` on the
// same files: the headline figures, a picked video's quartiles and retention points, the
// lineage and every event rule's count. Then the mixed-input error, and screenshots of the
// Events section at desktop and phone sizes in both themes. The logs are generated here, by the
// fixtures generator, into the folder the test server serves as data/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/// Writes a generated CSV event log (`events-0.csv`, `events-1.csv`, ... and `videos.csv`) into
/// data/`folder`; returns the folder's path.
function generateLogs(folder, events, parts, seed) {
  const directory = join(process.env.E2E_WORK, folder);
  mkdirSync(directory, { recursive: true });
  run(tools().fixtures, ['events', directory, '--events', String(events), '--parts', String(parts), '--format', 'csv', '--seed', String(seed)]);
  return directory;
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
    // The lean worker has no event reader: the page fetches the full worker for event logs.
    const fullWorker = () => session.appRequests.filter((url) => url.includes('coursepulse-worker-full')).length;
    const before = fullWorker();
    await drop(page, log.folder, [log.name, 'videos.csv']);
    await expectEventDashboard(page, app, log);
    expect(fullWorker(), 'the full worker read the event log').toBeGreaterThan(before);
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
  const { cli } = tools();
  const folder = 'events-stored';
  const directory = generateLogs(folder, 20000, 2, 17);
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

  // A log dropped while the stored event dashboard is being restored wins. The restore needs
  // the full worker, and the switch to it must send the drop again rather than fail it (or the
  // stored dashboard replaced what the user just dropped). The lean worker's wasm is held back
  // so that the drop is sent before the restore is answered (the service worker, which would
  // serve it from its cache past the route, is unregistered for this visit).
  await page.evaluate(async () => {
    for (const registration of await navigator.serviceWorker.getRegistrations()) await registration.unregister();
  });
  let heldBack = 0;
  const leanWasm = /\/coursepulse-worker(-[0-9a-f]+)?_bg\.wasm$/;
  await page.route(leanWasm, async (route) => {
    heldBack += 1;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.reload();
  await expect(page.getByTestId('app-title')).toBeVisible();
  await drop(page, folder, ['events-0.csv', 'videos.csv']);
  await app.waitForData('events-0.csv, videos.csv');
  expect(heldBack, 'the lean worker was started and held back').toBeGreaterThan(0);
  await expect(page.getByTestId('restored-banner')).toBeHidden();
  await app.openAllSections();
  await expectFigures(first);
  await page.unroute(leanWasm);

  await dataset.forget();
  session.expectNoErrors();
});

/// The fixture log's columns renamed so that no synonym finds them, and the event field each
/// then plays (what the mapping screen and `--map` name).
const RENAMED = {
  event_id: 'ref', user_id: 'who', course_id: 'unit', video_id: 'clip', video_title: 'clip_name',
  event_type: 'happening', timestamp: 'at', position: 'playhead_s', seek_to: 'jump_to',
  duration: 'len_s', session_id: 'visit', playback_rate: 'tempo', role: 'kind',
};
const FIELDS = {
  event_id: 'ref', learner: 'who', course: 'unit', video: 'clip', title: 'clip_name',
  event_type: 'happening', time: 'at', position: 'playhead_s', seek_to: 'jump_to',
  duration: 'len_s', session: 'visit', rate: 'tempo', role: 'kind',
};
const NUMERIC = new Set(['playhead_s', 'jump_to', 'len_s', 'tempo']);

/// The generated log's rows as objects of its (renamed) columns.
function renamedRows(csvPath) {
  const [header, ...lines] = readFileSync(csvPath, 'utf8').trim().split('\n');
  const names = header.split(',').map((name) => RENAMED[name]);
  expect(names.every(Boolean), `every column renamed: ${header}`).toBe(true);
  return {
    header: names.join(','),
    lines,
    records: lines.map((line) => Object.fromEntries(line.split(',').map((value, index) => [names[index], value]))),
  };
}

async function expectEventFigures(page, app, reference) {
  await expect(page.getByTestId('lineage-events')).toHaveAttribute('data-value', String(reference.events.lineage.events_read));
  await expect(page.getByTestId('lineage-pairs')).toHaveAttribute('data-value', String(reference.events.lineage.pairs));
  const cards = await app.cardValues();
  expect(cards.learners).toBe(groupThousands(reference.summary.learners));
  expect(isTwoDecimals(cards.mean, reference.summary.mean_completion), `mean ${cards.mean}, CLI ${reference.summary.mean_completion}`).toBe(true);
}

test('an event log whose columns are named otherwise is read through the mapping screen, as CSV and as JSON lines', async () => {
  test.setTimeout(180_000);
  const { app, page } = session;
  const { cli } = tools();
  const folder = 'events-renamed';
  const directory = generateLogs(folder, 20000, 1, 18);
  const { header, lines, records } = renamedRows(join(directory, 'events-0.csv'));
  writeFileSync(join(directory, 'renamed.csv'), [header, ...lines].join('\n') + '\n');
  writeFileSync(
    join(directory, 'renamed.json'),
    records
      .map((record) => JSON.stringify(Object.fromEntries(
        Object.entries(record).filter(([, value]) => value !== '').map(([key, value]) => [key, NUMERIC.has(key) ? Number(value) : value]),
      )))
      .join('\n') + '\n',
  );
  const videos = join(directory, 'videos.csv');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const report = (name, extra) =>
    JSON.parse(run(cli, ['report', join(directory, name), '--videos', videos, ...extra, '--format', 'json', '--now', now], [0, 1]));
  const map = Object.entries(FIELDS).flatMap(([field, column]) => ['--map', `${field}=${column}`]);
  const original = report('events-0.csv', []);
  const reference = report('renamed.csv', ['--events', ...map]);
  // Renaming the columns and naming them again changes no figure.
  expect(reference.summary).toEqual(original.summary);
  expect(reference.events.lineage).toEqual(original.events.lineage);
  expect(report('renamed.json', ['--events', ...map]).summary).toEqual(original.summary);

  const chooseFields = async () => {
    await expect(page.getByTestId('map-event-fields')).toBeVisible();
    for (const [field, column] of Object.entries(FIELDS)) {
      await page.getByTestId(`map-event-${field}`).selectOption(column);
    }
    await page.getByTestId('apply-mapping').click();
  };

  // CSV: read as rows first (no completion column), so the screen starts on rows; the reader
  // says these are player events and names each field.
  await app.goto('');
  await drop(page, folder, ['renamed.csv', 'videos.csv']);
  await expect(app.mappingDialog).toBeVisible();
  await expect(page.getByTestId('map-mode-rows')).toBeChecked();
  await expect(page.getByTestId('map-event-fields')).toBeHidden();
  await page.getByTestId('map-mode-events').check();
  await session.screenshot('mapping-dialog-events', app.mappingDialog);
  await chooseFields();
  await app.waitForData('renamed.csv, videos.csv');
  await app.openAllSections();
  await expectEventFigures(page, app, reference);
  await expect(page.getByTestId('event-log-mapping')).toContainText('learner ← who');
  // The mapping in use is offered again, on the event fields.
  await page.getByTestId('adjust-event-mapping').click();
  await expect(app.mappingDialog).toBeVisible();
  await expect(page.getByTestId('map-mode-events')).toBeChecked();
  await expect(page.getByTestId('map-event-position')).toHaveValue('playhead_s');
  await expect(page.getByTestId('map-event-sequence').locator('option').first()).toHaveText('Automatic (now: not found)');
  await app.mappingDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(app.mappingDialog).toBeHidden();

  // JSON lines under .json whose fields no synonym finds: the screen opens on event fields,
  // offering the records' paths.
  await app.goto('');
  await drop(page, folder, ['renamed.json', 'videos.csv']);
  await expect(app.mappingDialog).toBeVisible();
  await expect(page.getByTestId('map-mode-events')).toBeChecked();
  await expect(page.getByTestId('map-event-time').locator('option', { hasText: /^at$/ })).toHaveCount(1);
  await chooseFields();
  await app.waitForData('renamed.json, videos.csv');
  await app.openAllSections();
  await expectEventFigures(page, app, reference);
  session.expectNoErrors();
});

test('an Open edX tracking log, its event held as a JSON string, reads without a mapping', async () => {
  test.setTimeout(120_000);
  const { app, page } = session;
  const { cli } = tools();
  const folder = 'events-open-edx';
  const directory = generateLogs(folder, 20000, 1, 19);
  const { records } = renamedRows(join(directory, 'events-0.csv'));
  const verbs = { play: 'play_video', pause: 'pause_video', seek: 'seek_video', ended: 'stop_video', load: 'load_video', ratechange: 'speed_change_video' };
  const lines = records.map((record) => {
    const event = { id: record.clip, currentTime: Number(record.playhead_s), duration: Number(record.len_s) };
    if (record.happening === 'seek') Object.assign(event, { old_time: Number(record.playhead_s), new_time: Number(record.jump_to) });
    if (record.happening === 'ratechange') event.new_speed = Number(record.tempo);
    return JSON.stringify({
      username: record.who,
      event_source: 'browser',
      event_type: verbs[record.happening] ?? record.happening,
      time: record.at,
      session: record.visit,
      context: { course_id: record.unit, org_id: 'Miva' },
      event: JSON.stringify(event),
    });
  });
  writeFileSync(join(directory, 'tracking.log.json'), lines.join('\n') + '\n');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const reference = JSON.parse(run(cli, ['report', join(directory, 'tracking.log.json'), '--videos', join(directory, 'videos.csv'), '--format', 'json', '--now', now], [0, 1]));
  expect(reference.events.lineage.events_read).toBe(lines.length);
  expect(reference.events.lineage.pairs).toBeGreaterThan(100);
  const mapping = Object.fromEntries(reference.events.inputs[0].mapping);
  expect(mapping).toMatchObject({ video: 'event.id', position: 'event.currentTime', seek_to: 'event.new_time', course: 'context.course_id' });

  await app.goto('');
  await drop(page, folder, ['tracking.log.json', 'videos.csv']);
  await app.waitForData('tracking.log.json, videos.csv');
  await app.openAllSections();
  await expectEventFigures(page, app, reference);
  await expect(page.getByTestId('event-log-mapping')).toContainText('position ← event.currentTime');
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
