// Journey: a stakeholder visits once; later, with the network off, the dashboard and the bundled
// sample still open (the service worker, www/sw.js). It caches the build and nothing else (the
// full worker only once a Brotli file needs it), serves pages from the network while there is
// one, and a new build replaces the old one's cache.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

import { AppPage } from './pages/app-page.mjs';
import { inputs, isTwoDecimals } from './support/reference.mjs';
import { countCards, expectedCards, sampleReference } from './support/sample-reference.mjs';
import { startServer } from './support/server.mjs';
import { Session } from './support/session.mjs';
import { writeServiceWorker } from '../../xtask/sw_manifest.mjs';

test.describe.configure({ mode: 'serial' });

const DIST = resolve(process.env.E2E_DIST ?? 'dist');

let session;
let reference;
test.beforeAll(async ({ browser }) => {
  reference = sampleReference();
  session = await Session.open(browser);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// Waits until a service worker controls `page` (the first install claims the page it came from).
async function controlled(page) {
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null, null, { timeout: 60_000 });
}

/// The build's precache list, as xtask/sw_manifest.mjs wrote it into sw.js.
function precache(dist) {
  const text = readFileSync(join(dist, 'sw.js'), 'utf8');
  const line = /^const PRECACHE = (\{.*\});$/m.exec(text);
  expect(line, 'sw.js has its precache list filled in').toBeTruthy();
  return JSON.parse(line[1]);
}

/// Every cache of the origin and the URLs it holds.
async function cachedUrls(page) {
  return page.evaluate(async () => {
    const result = {};
    for (const name of await caches.keys()) {
      result[name] = (await (await caches.open(name)).keys()).map((request) => request.url);
    }
    return result;
  });
}

test('after one visit, the sample dashboard opens and works with the network off', async () => {
  const { app, page, context } = session;
  await app.goto('?src=sample');
  await app.waitForData('the sample data');
  await app.openAllSections();
  await controlled(page);
  expect(countCards(await app.cardValues())).toEqual(expectedCards(reference));
  // The install cached the dashboard's files but not the full (Brotli) worker, which is lazy.
  const manifest = precache(DIST);
  expect(manifest.lazy.length, 'the full worker is lazy').toBeGreaterThan(0);
  const installed = Object.values(await cachedUrls(page)).flat();
  for (const file of manifest.lazy) {
    expect(installed, `${file} is not fetched on install`).not.toContain(new URL(file, process.env.E2E_BASE_URL).href);
  }

  await context.setOffline(true);
  // The same address: the app's page, both wasm files and the sample come from the cache.
  await page.reload();
  await app.waitForData('the sample data');
  await app.openAllSections();
  const cards = await app.cardValues();
  expect(countCards(cards)).toEqual(expectedCards(reference));
  expect(isTwoDecimals(cards.mean, reference.summary.mean_completion), `mean ${cards.mean}`).toBe(true);
  await expect(app.learners.top.locator('tbody tr')).toHaveCount(Math.min(10, reference.learners_top.length));
  await expect(app.learners.mostWatchedId).toHaveText(reference.most_watched_learner.student_id);
  // Tables page through the worker: it works offline too.
  await expect(app.learners.table.summary).toHaveText(`Rows 1–50 of ${cards.learners}`);
  await app.learners.table.nextButton.click();
  await expect(app.learners.table.summary).toHaveText(`Rows 51–100 of ${cards.learners}`);
  await session.screenshot('offline-sample');

  // A new tab, offline, with no query: the landing page, then Try the sample.
  const second = await context.newPage();
  await second.goto(process.env.E2E_BASE_URL);
  const secondApp = new AppPage(second);
  await secondApp.trySample();
  await secondApp.openAllSections();
  expect(countCards(await secondApp.cardValues())).toEqual(expectedCards(reference));
  await second.close();

  await context.setOffline(false);
  expect(session.pageErrors, 'page errors').toEqual([]);
  expect(session.consoleErrors, 'console errors').toEqual([]);

  // Offline, a Brotli file needs the full worker, which no Brotli file has fetched yet: a clear
  // message, and the data shown is read again with the lean worker.
  await context.setOffline(true);
  try {
    await app.pickFiles([inputs().brotli]);
    await expect(app.error.message).toContainText('The reader for Brotli-compressed files could not be loaded');
    await expect(app.error.message).toContainText('needs the network');
    await session.screenshot('offline-brotli-reader-missing');
    await app.waitForData('the sample data');
    await app.openAllSections();
    expect(countCards(await app.cardValues())).toEqual(expectedCards(reference));
  } finally {
    await context.setOffline(false);
  }
  expect(session.pageErrors, 'page errors').toEqual([]);
  // The failed fetch of the full worker is the browser's own report, and the only one.
  const unexpected = session.consoleErrors.filter((text) => !/Failed to load resource|net::ERR_/.test(text));
  expect(unexpected, 'console errors besides the failed fetch').toEqual([]);
  session.consoleErrors.length = 0;
});

test('the cache holds exactly the build: no opened file, no ?src= download', async () => {
  const { app, page } = session;
  const { dirty } = inputs();
  await app.goto('');
  await app.pickFiles([dirty]);
  await app.waitForData('dirty.parquet');
  await app.openAllSections();
  // The Brotli copy: remote.spec.mjs counts the server's requests for dirty.parquet.
  await app.goto('?src=data-norange/dirty-brotli.parquet');
  await app.waitForData('data-norange/dirty-brotli.parquet');
  await app.openAllSections();

  const manifest = precache(DIST);
  expect(manifest.files).toContain('index.html');
  expect(manifest.files).toContain('sample/watch-logs.parquet');
  expect(manifest.files.filter((file) => file.endsWith('.wasm')).length, 'page and lean worker wasm').toBe(2);
  expect(manifest.lazy).toContain('coursepulse-worker-full_bg.wasm');
  const caches = await cachedUrls(page);
  const names = Object.keys(caches);
  expect(names).toEqual([`coursepulse:/app/:${manifest.version}`]);
  // The Brotli file started the full worker, so its lazy files are cached now too.
  const expected = [...manifest.files, ...manifest.lazy]
    .map((file) => new URL(file, process.env.E2E_BASE_URL).href)
    .sort();
  expect(caches[names[0]].sort()).toEqual(expected);

  // So a Brotli file from disk now opens with the network off.
  const { context } = session;
  await context.setOffline(true);
  try {
    await app.goto('');
    await app.pickFiles([inputs().brotli]);
    await app.waitForData('dirty-brotli.parquet');
    await app.openAllSections();
  } finally {
    await context.setOffline(false);
  }
});

test('a new build takes over once the old one is closed, and its old cache is deleted', async ({ browser }) => {
  // A copy of dist/ on a server of its own, so this test can publish a "new build" into it.
  const copy = mkdtempSync(join(tmpdir(), 'coursepulse-sw-'));
  cpSync(DIST, copy, { recursive: true });
  const server = await startServer(copy);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await controlled(page);
    const first = precache(copy).version;
    const prefix = `coursepulse:${new URL(server.url).pathname}:`;
    expect(Object.keys(await cachedUrls(page))).toEqual([prefix + first]);

    // The server now holds another build's full-worker loader (a deploy while this tab is
    // open): the service worker passes it on but does not cache it, since its SHA-256 is not
    // this build's, so offline this build never starts another build's worker. This build's
    // own file is cached on first use.
    const loader = 'coursepulse-worker-full_loader.js';
    const loaderUrl = new URL(loader, server.url).href;
    const original = readFileSync(join(copy, loader), 'utf8');
    expect(precache(copy).hashes[loader], 'worker files are hashed in the manifest').toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(join(copy, loader), `${original}\n// another build\n`);
    expect(await page.evaluate(async (url) => (await fetch(url)).status, loaderUrl)).toBe(200);
    expect((await cachedUrls(page))[prefix + first]).not.toContain(loaderUrl);
    writeFileSync(join(copy, loader), original);
    await page.evaluate(async (url) => (await fetch(url)).status, loaderUrl);
    await expect.poll(async () => (await cachedUrls(page))[prefix + first]).toContain(loaderUrl);

    // Publish a build whose files differ (the page's title), with its manifest recomputed.
    const index = readFileSync(join(copy, 'index.html'), 'utf8');
    writeFileSync(join(copy, 'index.html'), index.replace('<title>CoursePulse</title>', '<title>CoursePulse (next)</title>'));
    const next = writeServiceWorker(copy).version;
    expect(precache(copy).version).toBe(next);
    expect(next).not.toBe(first);

    // The new service worker installs and waits while the old one controls the tab.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()).update());
    await page.waitForFunction(async () => (await navigator.serviceWorker.getRegistration()).waiting != null, null, { timeout: 60_000 });
    // Online, the old worker still serves the page from the network, with the server's
    // current headers (a frame-ancestors or CSP added later reaches returning visitors).
    const online = await page.reload();
    await expect(page).toHaveTitle('CoursePulse (next)');
    expect(online.headers()['content-security-policy'], 'the server\'s header, not a cached one').toContain('frame-ancestors');
    // Offline, its cache answers, with the build it installed.
    await context.setOffline(true);
    try {
      await page.reload();
      await expect(page).toHaveTitle('CoursePulse');
    } finally {
      await context.setOffline(false);
    }
    // Closing the last tab of the old build lets the new one activate.
    await page.close();
    // Watched from a page of the same origin outside the app's scope, which is no client of
    // either build (an app page would keep the old one in use).
    const later = await context.newPage();
    await later.goto(new URL('/', server.url).href);
    await expect.poll(async () => Object.keys(await cachedUrls(later)), { timeout: 30_000 }).toEqual([prefix + next]);
    await later.goto(server.url);
    await expect(later).toHaveTitle('CoursePulse (next)');
  } finally {
    await context.close();
    await server.close();
    rmSync(copy, { recursive: true, force: true });
  }
});
