// Journey: a stakeholder opens whatever file they have. Every input of the bad-input corpus
// (tests/bad-inputs/, the same list the CLI test checks) gets its specific message on the page
// while the data already shown stays intact; hostile learner ids and titles render as text; CSV
// exports cannot run formulas; Cancel stops a load at once; nothing leaves the origin.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expect, test } from '@playwright/test';

import { parseCsv } from './support/reference.mjs';
import { Session } from './support/session.mjs';

const CORPUS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bad-inputs');

/// expected.tsv: input file(s), exit code, a substring of the CLI's message.
function corpus() {
  return readFileSync(join(CORPUS, 'expected.tsv'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [names, code, message] = line.split('\t');
      return { names: names.split(' '), code: Number(code), message };
    });
}

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

test('every unreadable input of the corpus says what is wrong, and the data shown stays', async () => {
  test.setTimeout(180_000);
  const { app } = session;
  await app.goto();
  await app.trySample();
  await app.openAllSections();
  const before = await app.cardValues();
  const topBefore = await app.learners.topRows();

  // A folder goes through the folder picker, not the file input: datasets.spec.mjs covers it.
  const isFolder = (entry) => entry.names.some((name) => statSync(join(CORPUS, name)).isDirectory());
  // A dbt schema (the YAML alias bomb) is not a data file: the page takes it through the
  // quality panel's schema control, and the CLI corpus test and bombs.rs check its refusal.
  const isDbtSchema = (entry) => entry.names.some((name) => name.endsWith('.yml'));
  const unreadable = corpus().filter((entry) => entry.code === 2 && !isFolder(entry) && !isDbtSchema(entry));
  expect(unreadable.length, 'the corpus lists unreadable inputs').toBeGreaterThan(30);
  const wrong = [];
  for (const { names, message } of unreadable) {
    if (process.env.E2E_TRACE) console.log(`corpus: ${names.join(' ')}`);
    await app.pickFiles(names.map((name) => join(CORPUS, name)));
    await expect(app.error.root, names.join(' ')).toBeVisible({ timeout: 30_000 });
    await expect(app.progress).toBeHidden({ timeout: 30_000 });
    // A panic inside the parquet/arrow decoders is caught natively; wasm32 aborts on panic, but
    // the worker's panic hook sends the engine's error first: the page names the file, the
    // decoder, the panic and where it was raised, as the CLI does. The panic itself can differ:
    // the tests' CLI is a debug build, whose overflow checks stop one input two lines earlier
    // than the release wasm does.
    const decoderPanic = message.startsWith('the Parquet decoder failed on malformed data');
    const expected = decoderPanic
      ? `The analysis worker failed: ${names[0]}: the Parquet decoder failed on malformed data: `
      : message;
    await expect(app.error.message).toBeVisible();
    const shown = await app.error.message.innerText();
    // The CLI quotes with the terminal's escapes; the page shows the same words.
    const located = !decoderPanic || /: [^:]+ \(at (parquet|arrow-[a-z]+)-\d+\.\d+\.\d+\/src\/[^)]+:\d+:\d+\)/.test(shown);
    if (!shown.includes(expected) || !located) wrong.push(`${names.join(' ')}: expected "${expected}", page says "${shown}"`);
    await expect(app.error.root).toContainText('The data shown below is unchanged.');
    // A missing column also opens the mapping dialog over the page; closing it keeps the data.
    const mapping = app.page.getByTestId('mapping-dialog');
    if (await mapping.isVisible()) {
      await mapping.getByRole('button', { name: 'Cancel' }).click();
      await expect(mapping).toBeHidden();
    }
    if (await app.error.root.isVisible()) await app.error.dismiss();
  }
  expect(wrong, 'messages that differ from the CLI').toEqual([]);
  // Each decoder panic logged its message (console_error_panic_hook) before the worker aborted;
  // those, and only those, are expected on the console.
  const panics = unreadable.filter((entry) => entry.message.startsWith('the Parquet decoder failed on malformed data'));
  const logged = session.consoleErrors.filter((text) => /^panicked at .*\/(parquet|arrow-[a-z]+)-\d+\.\d+\.\d+\//.test(text));
  expect(logged.length, 'one logged panic per decoder-panic input').toBe(panics.length);
  session.consoleErrors = session.consoleErrors.filter((text) => !logged.includes(text));

  await expect(app.dataLabel).toHaveText('Showing the sample data');
  expect(await app.cardValues()).toEqual(before);
  expect(await app.learners.topRows()).toEqual(topBefore);
  session.expectNoErrors();
});

test('every readable oddity of the corpus loads, with the note the CLI prints', async () => {
  test.setTimeout(120_000);
  const { app } = session;
  const readable = corpus().filter((entry) => entry.code === 0);
  expect(readable.length).toBeGreaterThan(10);
  for (const { names, message } of readable) {
    await app.pickFiles(names.map((name) => join(CORPUS, name)));
    await expect(app.progress).toBeHidden({ timeout: 30_000 });
    await expect(app.error.root, `${names.join(' ')} loads without an error`).toBeHidden();
    await expect(app.dashboard).toBeVisible();
    await expect(app.dataLabel).toContainText(names[0]);
    // Notes ("no data rows: ...", "columns 1, 2 are all named ...") are shown with the data.
    if (message.includes(': no data rows') || message.startsWith('columns ')) {
      await expect(app.page.getByTestId('notes')).toContainText(message.replace(/^[^:]*: /, ''));
    }
  }
  session.expectNoErrors();
});

/// Learner ids and titles an attacker (or a careless export) could put in a file.
const HOSTILE = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '<script>window.__pwned=2</script>',
  rtl: 'طالب-٣ مرحبا',
  emoji: '🎓 Ada 👩🏽‍💻',
  formula: '=HYPERLINK("http://127.0.0.2/x","open")',
  plus: '+SUM(A1:A9)',
  at: '@cmd',
};

function hostileCsv() {
  const lines = ['student_id,course_code,video_id,video_title,role,completion_rate_percent'];
  const ids = Object.values(HOSTILE);
  ids.forEach((id, index) => {
    const quoted = `"${id.replace(/"/g, '""')}"`;
    const title = `"<b>bold</b> ${index} <iframe src=javascript:alert(1)>"`;
    lines.push(`${quoted},CSC101,v${index},${title},Student,${90 - index * 10}`);
  });
  return Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
}

test('hostile learner ids and titles render as text, and the CSV export is formula safe', async () => {
  const { app, page } = session;
  await app.pickFiles({ name: 'hostile.csv', mimeType: 'text/csv', buffer: hostileCsv() });
  await app.waitForData('hostile.csv');
  await app.openAllSections();
  await session.screenshot('hostile-content');

  // Ranked by completion: the ids in the order written, exactly as written.
  const shown = (await app.learners.topRows()).map((row) => row.id);
  expect(shown).toEqual(Object.values(HOSTILE));
  // Nothing was interpreted as markup: no injected elements, no script ran.
  const injected = await page.evaluate(() => ({
    pwned: window.__pwned ?? null,
    img: document.querySelectorAll('img[src=x]').length,
    bold: document.querySelectorAll('main b, [data-testid=dashboard] b').length,
    iframes: document.querySelectorAll('iframe').length,
  }));
  expect(injected).toEqual({ pwned: null, img: 0, bold: 0, iframes: 0 });
  // The titles are listed as text too.
  await app.courses.openCourse('CSC101');
  await expect(page.getByTestId('dashboard')).toContainText('<b>bold</b> 0 <iframe src=javascript:alert(1)>');

  // The export keeps every id, with a leading apostrophe where a spreadsheet would run a formula.
  const csv = parseCsv((await app.learners.table.download()).text);
  const exported = csv.slice(1).map((row) => row[1]);
  expect(exported.sort()).toEqual(
    [HOSTILE.img, HOSTILE.script, HOSTILE.rtl, HOSTILE.emoji, `'${HOSTILE.formula}`, `'${HOSTILE.plus}`, `'${HOSTILE.at}`].sort(),
  );
  session.expectNoErrors();
});

test('masked mode: every learner id becomes a pseudonym in lists, tables and exports, and comes back', async () => {
  const { app, page } = session;
  const pseudonym = /^L-[0-9a-f]{12}$/;
  // Masking and its salt are in the Privacy menu.
  await app.openPrivacy();
  await page.getByTestId('mask-toggle').check();
  await app.closePrivacy();
  await expect(page.getByTestId('masked-indicator')).toBeVisible();
  await expect.poll(async () => (await app.learners.topRows()).every((row) => pseudonym.test(row.id))).toBe(true);
  const masked = (await app.learners.topRows()).map((row) => row.id);
  expect(new Set(masked).size, 'distinct learners keep distinct pseudonyms').toBe(masked.length);
  // Not one clear id anywhere in the page's text or markup.
  const text = await page.evaluate(() => document.body.innerText + document.body.innerHTML);
  const leaked = Object.values(HOSTILE).filter((id) => text.includes(id) || text.includes(id.replace(/</g, '&lt;')));
  expect(leaked, 'clear ids in the masked page').toEqual([]);
  const csv = parseCsv((await app.learners.table.download()).text);
  expect(csv.slice(1).every((row) => pseudonym.test(row[1])), 'the export is masked too').toBe(true);

  // A salt changes every pseudonym; switching off shows the ids again (nothing was re-read).
  await app.openPrivacy();
  await page.getByTestId('mask-salt').fill('per-dataset secret');
  await page.getByTestId('mask-salt').press('Enter');
  await page.getByTestId('mask-salt').blur();
  await app.closePrivacy();
  await expect.poll(async () => (await app.learners.topRows()).map((row) => row.id)).not.toEqual(masked);
  const salted = (await app.learners.topRows()).map((row) => row.id);
  expect(salted.every((id) => pseudonym.test(id) && !masked.includes(id))).toBe(true);
  await app.openPrivacy();
  await page.getByTestId('mask-toggle').uncheck();
  await app.closePrivacy();
  await expect(page.getByTestId('masked-indicator')).toBeHidden();
  await expect.poll(async () => (await app.learners.topRows()).map((row) => row.id)).toEqual(Object.values(HOSTILE));
  session.expectNoErrors();
});

async function servedStats(path) {
  const response = await session.page.request.get(`${process.env.E2E_BASE_URL}__stats`);
  return (await response.json())[new URL(path, process.env.E2E_BASE_URL).pathname] ?? { requests: 0, bytes: 0 };
}

test('Cancel stops a slow load once the read in flight returns: no further reads, the next load runs', async () => {
  const { app, page } = session;
  // The e2e server answers each request for this file 400 ms late, and the worker reads it in
  // 1 MB blocks, so the load takes several seconds.
  await app.goto(`?src=${encodeURIComponent('data/slow.parquet?delay=400')}`);
  await expect(app.progress).toBeVisible({ timeout: 15_000 });
  await expect.poll(async () => (await servedStats('data/slow.parquet')).requests).toBeGreaterThanOrEqual(2);
  const clicked = Date.now();
  await page.getByTestId('cancel').click();
  await expect(app.progress).toBeHidden({ timeout: 5_000 });
  console.log(`Cancel: progress gone ${Date.now() - clicked} ms after the click`);
  await expect(app.error.root).toBeHidden();

  // Stopped means stopped: over five more delays, not one more request for the file.
  const atStop = await servedStats('data/slow.parquet');
  await page.waitForTimeout(2_000);
  const later = await servedStats('data/slow.parquet');
  expect(later.requests, 'requests after Cancel').toBe(atStop.requests);
  expect(later.size, 'a file of several read blocks').toBeGreaterThan(3_000_000);
  expect(later.bytes, 'the file was not read to the end').toBeLessThan(later.size);
  console.log(`Cancel: ${later.requests} requests, ${later.bytes} of ${later.size} bytes read`);

  // The worker is free: the next load runs now rather than after the cancelled one.
  await app.goto('?src=sample');
  await app.waitForData('the sample data');
  await app.openAllSections();
  session.expectNoErrors();
});

test('a CSV file too large for the tab is refused before it is read, from disk or from a server', async () => {
  const { app, page } = session;
  await app.goto('?src=sample');
  await app.waitForData('the sample data');
  await app.openAllSections();
  const before = await app.cardValues();
  const refusal = 'huge.csv is 1.1 GB: a CSV file is read whole, and this browser reads CSV files of at most 1.0 GB.';
  await app.pickFiles([join(process.env.E2E_WORK, 'huge.csv')]);
  await expect(app.error.message).toContainText(refusal, { timeout: 15_000 });
  await expect(app.error.message).toContainText('Save the data as Parquet');
  await expect(app.error.root).toContainText('The data shown below is unchanged.');
  expect(await app.cardValues()).toEqual(before);
  await app.error.dismiss();

  // From a server: refused on its Content-Length, and the download is dropped.
  await page.request.get(`${process.env.E2E_BASE_URL}__stats/reset`);
  await app.goto('?src=data/huge.csv');
  await expect(app.error.message).toContainText(refusal, { timeout: 30_000 });
  await page.waitForTimeout(1_000);
  const served = await servedStats('data/huge.csv');
  console.log(`huge.csv over HTTP: ${served.bytes} of ${served.size} bytes sent before the refusal`);
  expect(served.bytes, 'the body was not downloaded').toBeLessThan(100_000_000);
  // The refused download was cancelled on purpose: the one request the browser reports aborted.
  const aborted = session.failedRequests.filter((entry) => entry.includes('/data/huge.csv: net::ERR_ABORTED'));
  expect(aborted.length, 'the refused download was aborted').toBe(1);
  session.failedRequests = session.failedRequests.filter((entry) => !aborted.includes(entry));
  session.expectNoErrors();
});

test('every request went to 127.0.0.1 (no third parties)', async () => {
  session.expectOnlyLocalRequests();
});
