// Journey: who may drive the embed, and what it keeps. A page on a site the deployment did not
// list in embed-config.json frames embed.html with src= and origin= set to itself, and posts
// `coursepulse:open` messages: it hears nothing and nothing is fetched. A listed host cannot make
// the embed fetch another origin or a data:/javascript: URL. The embed neither shows nor
// replaces the dataset the full app stored, and a ?src= link does not replace it either.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

import { DatasetPanel } from './pages/dataset-panel.mjs';
import { HostPage } from './pages/embed-page.mjs';
import { groupThousands, inputs } from './support/reference.mjs';
import { startHost } from './support/host.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

const DIST = resolve(process.env.E2E_DIST ?? 'dist');
const BASE = process.env.E2E_BASE_URL;
const DIRTY_PATH = `${new URL(BASE).pathname}data/dirty.parquet`;

let host;
let session;

test.beforeAll(async ({ browser }) => {
  host = await startHost(BASE, join(DIST, 'sample'));
  session = await Session.open(browser);
  session.warnings = [];
  session.page.on('console', (message) => {
    if (message.type() === 'warning') session.warnings.push(message.text());
  });
});

test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});

test.afterAll(async () => {
  await fetch(`${BASE}__embed-config/reset`);
  await session?.close();
  await host?.close();
});

/// Lets the embed be framed by `origins` (as a deployer's embed-config.json would), or by its
/// own origin only when none are given.
async function allowEmbedders(...origins) {
  const response = await fetch(origins.length ? `${BASE}__embed-config?allow=${origins.join(',')}` : `${BASE}__embed-config/reset`);
  expect(response.ok).toBe(true);
}

/// How many requests the app's server answered for `path` since the last reset.
async function requestsFor(path) {
  const stats = await (await fetch(`${BASE}__stats`)).json();
  return stats[path]?.requests ?? 0;
}

async function resetStats() {
  await fetch(`${BASE}__stats/reset`);
}

/// The number of warnings containing `text` so far.
function warningsWith(text) {
  return session.warnings.filter((warning) => warning.includes(text)).length;
}

test('a site that embed-config.json does not list gets nothing: no event, no fetch, no load', async () => {
  await allowEmbedders();
  await resetStats();
  const { page } = session;
  // The hostile page names itself in origin= (which once decided who was obeyed) and asks for
  // a file of the app's origin by src=.
  const query = `src=data/dirty.parquet&origin=${host.origin}&mask=0`;
  await page.goto(host.url(`/iframe.html?query=${encodeURIComponent(query)}`));
  const hostPage = new HostPage(page, '#embed');
  const { embed } = hostPage;
  const refusal = embed.frame.getByTestId('embed-refused');
  await expect(refusal).toContainText('This dashboard may not be embedded on this site');
  await expect(embed.frame.getByTestId('file-input'), 'nothing to open in a refused embed').toHaveCount(0);
  await session.screenshot('embed-refused-host', page.locator('#embed'));

  // It drives the embed by postMessage: a URL of the app's origin, bytes, a hello, a salt.
  const refusedBefore = warningsWith('this page may not embed this dashboard');
  await page.evaluate((url) => {
    window.sendToEmbed({ type: 'coursepulse:hello' });
    window.sendToEmbed({ type: 'coursepulse:open', url });
    window.sendToEmbed({ type: 'coursepulse:salt', salt: 'x' });
  }, `${BASE}data/dirty.parquet?via=message`);
  await hostPage.postBuffer('/data/watch-logs.parquet', 'from-a-stranger.parquet');
  // Every message was handled (and refused) before the checks below.
  await expect.poll(() => warningsWith('this page may not embed this dashboard') - refusedBefore).toBe(4);

  expect(await hostPage.received(), 'no event reaches a page that may not embed').toEqual([]);
  expect(await requestsFor(DIRTY_PATH), 'neither src= nor the message fetched the file').toBe(0);
  await expect(embed.dashboard).toHaveCount(0);
  await expect(embed.dataLabel).toHaveText('');
});

test('a listed host cannot make the embed fetch another origin or another scheme', async () => {
  await allowEmbedders(host.origin);
  await resetStats();
  const { page } = session;
  // The app's server under another name is another origin, and not a listed one.
  const elsewhere = new URL(BASE);
  elsewhere.hostname = 'localhost';
  const foreign = `${elsewhere.origin}${DIRTY_PATH}?via=src`;
  await page.goto(host.url(`/iframe.html?query=${encodeURIComponent(`src=${foreign}`)}`));
  const hostPage = new HostPage(page, '#embed');
  const { embed } = hostPage;
  await hostPage.waitFor('coursepulse:ready');
  const refused = await hostPage.waitFor('coursepulse:error');
  expect(refused).toEqual({
    type: 'coursepulse:error',
    code: 'url-refused',
    message: 'This embed opens only files from its own site or from the sites its deployment lists in embed-config.json.',
  });
  await expect(embed.errorMessage).toContainText('opens only files from its own site');

  for (const url of ['data:text/csv,student_id%2Ccompletion%0AS1%2C50', 'javascript:alert(1)', `${elsewhere.origin}${DIRTY_PATH}?via=message`]) {
    const seen = (await hostPage.received()).length;
    await page.evaluate((url) => window.sendToEmbed({ type: 'coursepulse:open', url }), url);
    const error = await hostPage.waitFor('coursepulse:error', seen);
    expect(error.code, url).toBe('url-refused');
  }
  expect(await requestsFor(DIRTY_PATH), 'no refused URL was fetched').toBe(0);
  await expect(embed.dashboard).toHaveCount(0);
  expect((await hostPage.received()).filter((message) => message.type === 'coursepulse:loaded')).toEqual([]);
});

test("the embed neither shows nor replaces the app's stored data; a link keeps apart from it", async () => {
  await allowEmbedders(host.origin);
  const { page, app } = session;
  const dataset = new DatasetPanel(page);
  const { dirty, reference } = inputs();
  const dirtyRows = groupThousands(reference.rows.total);

  // The user's own file, stored by the full app.
  await app.goto('');
  await app.pickFiles([dirty]);
  await app.waitForData('dirty.parquet');
  await app.openAllSections();
  await dataset.storedBytes((bytes) => bytes > 0);

  // An embed with no src= waits for its host; it does not show what the app stored.
  await page.goto(host.url(`/iframe.html?query=${encodeURIComponent('panels=learners')}`));
  const hostPage = new HostPage(page, '#embed');
  const { embed } = hostPage;
  await hostPage.waitFor('coursepulse:ready');
  await expect(embed.frame.getByTestId('embed-waiting')).toBeVisible();
  await expect(embed.dashboard).toHaveCount(0);
  expect((await hostPage.received()).map((message) => message.type)).toEqual(['coursepulse:ready']);
  await session.screenshot('embed-waits-not-restored', page.locator('#embed'));

  // The host's data is shown, and not stored.
  await hostPage.postBuffer('/data/watch-logs.parquet', 'host-data.parquet');
  await hostPage.waitFor('coursepulse:loaded');
  await expect(embed.dataLabel).toHaveText('host-data.parquet');

  await app.goto('');
  await app.waitForData('the dataset stored in this browser');
  await app.openAllSections();
  await expect(app.card('rows'), "the app's own data, not the embed's").toHaveText(dirtyRows);

  // A ?src= link (one day of a partitioned dataset) opens, and is kept apart.
  const work = process.env.E2E_WORK;
  const day = readdirSync(join(work, 'ds10')).sort()[0];
  const link = `data/ds10/${day}/part-0.parquet`;
  await app.goto(`?src=${link}`);
  await app.waitForData(link);
  await app.openAllSections();
  await expect(app.card('rows')).not.toHaveText(dirtyRows);
  await dataset.storedBytes((bytes) => bytes > 0);

  await app.goto('');
  await app.waitForData('the dataset stored in this browser');
  await app.openAllSections();
  await expect(app.card('rows'), 'the link did not replace what the user stored').toHaveText(dirtyRows);
  await session.screenshot('stored-data-after-link');
  expect(session.pageErrors).toEqual([]);
});
