// Journey: remote servers that misbehave. A server that ignores Range with a file over the cap
// is refused on what it sends, before the file is downloaded; a Content-Range other than the
// range asked for is an error, not silently wrong data; a server that stalls on a range request
// times out with the URL and the seconds; a manifest over the engine's 100,000 entries is
// refused before any file is opened. Each time the page says so and stays usable. The Range
// journeys use dirty-brotli.parquet, whose byte counts no other journey checks.
import { expect, test } from '@playwright/test';

import { Session } from './support/session.mjs';

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

async function servedStats(path) {
  const response = await session.page.request.get(`${process.env.E2E_BASE_URL}__stats`);
  return (await response.json())[new URL(path, process.env.E2E_BASE_URL).pathname];
}

/// Opens `src`, expects an error containing every part of `parts`, then shows that the page
/// still works: the landing page is back and the sample loads.
async function expectRefusedAndUsable(src, parts, timeout = 30_000) {
  const { app } = session;
  await app.goto(`?src=${encodeURIComponent(src)}`);
  await expect(app.error.message).toContainText(parts[0], { timeout });
  for (const part of parts.slice(1)) await expect(app.error.message).toContainText(part);
  await expect(app.landing).toBeVisible();
  await app.error.dismiss();
  await app.trySample();
  await app.openAllSections();
  await expect(app.dashboard).toBeVisible();
}

test('a file over the cap on a server that ignores Range is refused before it is downloaded', async () => {
  const size = 2_500_000_000;
  await expectRefusedAndUsable(`generated/huge.parquet?size=${size}`, [
    'huge.parquet is',
    'its server does not answer range requests',
  ]);
  const served = await servedStats('generated/huge.parquet');
  console.log(`no-range over the cap: ${served.bytes} of ${served.size} bytes sent`);
  expect(served.requests).toBe(1);
  expect(served.bytes, 'stopped long before the cap').toBeLessThan(256 * 1024 * 1024);
});

test('a Content-Range other than the range asked for is a clear error', async () => {
  await expectRefusedAndUsable('data/dirty-brotli.parquet?shift=1', [
    'the server\'s Content-Range',
    'is not the range asked for',
    'dirty-brotli.parquet?shift=1',
  ]);
});

test('a server that stalls on a range request times out with the URL and the seconds', async () => {
  test.setTimeout(120_000);
  const started = Date.now();
  await expectRefusedAndUsable(
    'data/dirty-brotli.parquet?range_delay=45000',
    ['the server did not answer a range request within 21 seconds', 'dirty-brotli.parquet?range_delay=45000'],
    60_000,
  );
  console.log(`timeout shown after ${Date.now() - started} ms`);
});

test('a manifest over 100,000 entries is refused before any file is opened', async () => {
  await expectRefusedAndUsable('generated/many.txt?n=100001', [
    'lists more than 100,000 entries; the limit is 100,000',
  ]);
  const stats = await (await session.page.request.get(`${process.env.E2E_BASE_URL}__stats`)).json();
  const opened = Object.keys(stats).filter((path) => path.includes('/generated/date='));
  expect(opened, 'no listed file requested').toEqual([]);
});
