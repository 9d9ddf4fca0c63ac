// Journey: an analyst opens the dirty export, adds the team's dbt schema.yml and sees its tests
// beside the built-in rules (the same counts and samples as `coursepulse report --dbt-schema`),
// with learner ids masked on demand; a broken schema is refused with its line and column while
// the data stays; Remove brings back the original rules; a dataset restored from this browser
// says why it cannot run the tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { DatasetPanel } from './pages/dataset-panel.mjs';
import { DbtPanel } from './pages/dbt-panel.mjs';
import { inputs } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

let session;
let dbt;
let dataset;
let files;
let schema;
let reference;
/// The built-in rules and cards before any schema was added.
let original;
/// Bytes stored in this browser with the schema (the saved settings carry its text).
let storedWithSchema;

test.beforeAll(async ({ browser }) => {
  files = inputs();
  const work = process.env.E2E_WORK;
  schema = { name: 'schema.yml', text: readFileSync(join(work, 'schema.yml'), 'utf8') };
  reference = JSON.parse(readFileSync(join(work, 'ref-dbt.json'), 'utf8'));
  session = await Session.open(browser);
  dbt = new DbtPanel(session.page);
  dataset = new DatasetPanel(session.page);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// The CLI's dbt tests as the page lists them.
function expectedRows() {
  return reference.quality.dbt.map((rule) => ({
    name: rule.name,
    column: rule.column,
    status: rule.status,
    count: rule.count,
  }));
}

/// The value of column `name` in each row of the samples table on screen.
async function sampleColumn(name) {
  const headers = await dbt.samplesTable.headers();
  const index = headers.findIndex((header) => header.startsWith(name));
  expect(index, `samples column ${name} in ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return (await dbt.samplesTable.rows()).map((cells) => cells[index]);
}

test('an added schema.yml runs its tests like the CLI, beside the built-in rules', async () => {
  const { app } = session;
  await app.goto();
  await app.pickFiles(files.dirty);
  await app.waitForData('dirty.parquet');
  await app.openAllSections();
  original = { rules: await app.quality.ruleRows(), cards: await app.cardValues() };
  const storedWithout = await dataset.storedBytes((bytes) => bytes > 0);
  await expect(dbt.rules).toHaveCount(0);
  await expect(dbt.fileName).toBeHidden();

  await dbt.add(schema);
  await expect(dbt.rules).toHaveCount(reference.quality.dbt.length, { timeout: 60_000 });
  await expect(dbt.fileName).toHaveText('schema.yml');
  const rows = await dbt.ruleRows();
  expect(rows).toEqual(expectedRows());
  storedWithSchema = await dataset.storedBytes((bytes) => bytes > 0 && bytes !== storedWithout);
  // The schema was written to have one of each; the CLI agrees, so the page is checked on all.
  expect(rows.map((row) => row.status).sort()).toEqual(['fail', 'pass']);
  expect(await dbt.notRunNames()).toEqual(reference.quality.dbt_unsupported.map((test) => test.test));
  expect(await dbt.notRunNames()).toEqual(['relationships']);
  // The built-in rules are unchanged, the data too.
  expect(await app.quality.ruleRows()).toEqual(original.rules);
  expect((await app.cardValues()).rows).toBe(original.cards.rows);
  // The schema's column description reaches the metadata panel.
  await expect(app.panel('metadata')).toContainText('Course code as the LMS catalogue lists it');

  const failing = reference.quality.dbt.find((rule) => rule.status === 'fail');
  await dbt.showRows(failing.name);
  await expect(dbt.samplesTable.summary).toHaveText(`Rows 1–${Math.min(50, failing.samples.length)} of ${failing.samples.length}`);
  const firstPage = failing.samples.slice(0, 50);
  expect(await sampleColumn('student_id')).toEqual(firstPage.map((sample) => sample.values.student_id));
  expect((await sampleColumn('Row')).map((row) => Number(row.replace(/,/g, '')))).toEqual(firstPage.map((sample) => sample.row));
  await session.screenshot('dbt-tests', app.quality.root);
  session.expectNoErrors();
});

test('masked mode shows pseudonyms in the dbt samples', async () => {
  const { app, page } = session;
  const failing = reference.quality.dbt.find((rule) => rule.status === 'fail');
  const clearIds = new Set(failing.samples.map((sample) => sample.values.student_id));
  // Masking is in the Privacy menu.
  await app.openPrivacy();
  await page.getByTestId('mask-toggle').check();
  await expect(page.getByTestId('mask-toggle')).toBeChecked();
  await app.closePrivacy();
  await dbt.showRows(failing.name);
  await expect.poll(async () => (await sampleColumn('student_id'))[0], { timeout: 15_000 }).toMatch(/^L-/);
  const shownIds = await sampleColumn('student_id');
  expect(shownIds.filter((id) => clearIds.has(id)), 'clear learner ids in masked dbt samples').toEqual([]);
  expect(shownIds.every((id) => id.startsWith('L-')), shownIds.join(', ')).toBe(true);
  // Masking changes no count.
  expect(await dbt.ruleRows()).toEqual(expectedRows());
  await app.openPrivacy();
  await page.getByTestId('mask-toggle').uncheck();
  await app.closePrivacy();
  await expect.poll(async () => (await sampleColumn('student_id'))[0], { timeout: 15_000 }).toBe(
    failing.samples[0].values.student_id,
  );
  session.expectNoErrors();
});

test('an invalid schema names the file, line and column; the data and tests stay', async () => {
  const { app } = session;
  await dbt.add({ name: 'broken.yml', text: 'version: 2\nmodels:\n  - name: [unclosed\n' });
  await expect(app.error.message).toContainText('broken.yml: dbt schema: invalid YAML at line', { timeout: 30_000 });
  await expect(app.error.message).toContainText('column');
  await expect(app.error.root).toContainText('The data shown below is unchanged.');
  await expect(dbt.fileName).toHaveText('schema.yml');
  expect(await dbt.ruleRows()).toEqual(expectedRows());
  expect((await app.cardValues()).rows).toBe(original.cards.rows);
  await app.error.dismiss();
});

test('a schema over 1 MB is refused with a message', async () => {
  const { app } = session;
  await dbt.add({ name: 'huge.yml', text: `# ${'x'.repeat(1_100_000)}\n` });
  await expect(app.error.message).toContainText('huge.yml is 1,100,003 bytes; a dbt schema file over 1 MB is refused');
  await expect(dbt.fileName).toHaveText('schema.yml');
  await app.error.dismiss();
});

test('Remove brings back the original rules', async () => {
  const { app } = session;
  await dbt.removeButton.click();
  await expect(dbt.rules).toHaveCount(0, { timeout: 60_000 });
  await expect(dbt.notRun).toHaveCount(0);
  await expect(dbt.fileName).toBeHidden();
  expect(await app.quality.ruleRows()).toEqual(original.rules);
  expect(await app.cardValues()).toEqual(original.cards);
  await expect(app.panel('metadata')).not.toContainText('Course code as the LMS catalogue lists it');
  // The analysis stored for the next visit is the one without the schema.
  await dataset.storedBytes((bytes) => bytes > 0 && bytes !== storedWithSchema);
  session.expectNoErrors();
});

test('a dataset restored from this browser says the schema needs its files', async () => {
  const { app, page } = session;
  await page.reload();
  await expect(dataset.restoredBanner).toContainText("Restored from this browser's storage", { timeout: 15_000 });
  await dbt.add(schema);
  await expect(app.error.message).toContainText('restored from this browser', { timeout: 15_000 });
  await expect(app.error.message).toContainText('dirty.parquet');
  await expect(dbt.fileName).toBeHidden();
  await expect(dbt.rules).toHaveCount(0);
  expect(await app.quality.ruleRows()).toEqual(original.rules);
  session.expectOnlyLocalRequests();
});
