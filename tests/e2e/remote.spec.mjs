// Journey: a dataset on a static host, opened with ?src=. A server that answers Range requests
// is read by range (footer first, then only the needed column chunks, each byte once); one that
// ignores Range is downloaded once; a missing file, or one on a server that does not allow this
// site, is a clear error. Whenever data is shown, it equals the CLI's answer for the same file.
import { dirname } from 'node:path';

import { expect, test } from '@playwright/test';

import { DatasetPanel } from './pages/dataset-panel.mjs';
import { startHost } from './support/host.mjs';
import { groupThousands, inputs } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

let session;
let files;
test.beforeAll(async ({ browser }) => {
  files = inputs();
  session = await Session.open(browser);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

async function servedStats(path) {
  const response = await session.page.request.get(`${process.env.E2E_BASE_URL}__stats`);
  return (await response.json())[new URL(path, process.env.E2E_BASE_URL).pathname];
}

async function expectCardsMatchTheCli(app) {
  const { reference } = files;
  await expect(app.card('rows')).toHaveText(groupThousands(reference.rows.total));
  await expect(app.card('learners')).toHaveText(groupThousands(reference.summary.learners));
  const shown = await app.learners.topRows();
  expect(shown.map((row) => row.id)).toEqual(reference.learners_top.map((row) => row.student_id));
}

test('a Parquet file on a server with Range support is read by range, each byte once', async () => {
  const { app } = session;
  await app.goto('?src=data/dirty.parquet');
  await app.waitForData('data/dirty.parquet');
  await app.openAllSections();
  await expectCardsMatchTheCli(app);
  const served = await servedStats('data/dirty.parquet');
  console.log(`range reads: ${served.requests} requests, ${served.bytes} of ${served.size} bytes`);
  expect(served.requests, 'footer probe, then column-chunk blocks').toBeGreaterThan(1);
  expect(served.bytes, 'no byte fetched twice (8-byte footer probe aside)').toBeLessThanOrEqual(served.size + 8);
});

test('a server that ignores Range is downloaded once (opened from the URL box)', async () => {
  const { app } = session;
  await app.goto('');
  // The first journey's dataset was kept in this browser and comes back at once; forget it to
  // get the landing page and its URL box.
  const dataset = new DatasetPanel(session.page);
  await expect(dataset.restoredBanner).toContainText('dirty.parquet');
  await dataset.forget();
  await app.goto('');
  await expect(app.landing).toBeVisible();
  await session.page.getByTestId('url-input').fill('data-norange/dirty.parquet');
  await session.page.getByTestId('open-url').click();
  await app.waitForData('data-norange/dirty.parquet');
  await app.openAllSections();
  await expectCardsMatchTheCli(app);
  const served = await servedStats('data-norange/dirty.parquet');
  expect(served.requests).toBe(1);
  expect(served.bytes).toBe(served.size);
});

test('a missing remote file is a clear error', async () => {
  const { app } = session;
  await app.goto('?src=data/nothing-here.parquet');
  await expect(app.error.message).toContainText('HTTP 404', { timeout: 30_000 });
  await expect(app.landing).toBeVisible();
  session.expectOnlyLocalRequests();
});

test('a file on another server that does not allow this site says what to check', async () => {
  const { app } = session;
  // Another origin that serves the file with no CORS header; the suite's server also sends our
  // CSP, whose connect-src is 'self'. Either refuses the request before any byte is read.
  const host = await startHost(process.env.E2E_BASE_URL, dirname(files.dirty));
  try {
    const url = host.url('/data/dirty.parquet');
    expect((await session.page.request.get(url)).ok(), 'the other server does serve the file').toBe(true);
    await app.goto(`?src=${encodeURIComponent(url)}`);
    await expect(app.error.message).toContainText(`${url}: the request failed`, { timeout: 30_000 });
    await expect(app.error.message).toContainText('does that server allow this site (CORS)');
    await expect(app.error.message).toContainText('does its connect-src list that server?');
    await expect(app.landing).toBeVisible();
    await session.screenshot('remote-refused-error', app.error.root);
  } finally {
    await host.close();
  }
});
