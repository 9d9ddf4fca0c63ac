// Journey: the masking salt is a secret key. An old link's salt= is ignored, removed from the
// address bar and explained; a salt typed into the page never reaches the address bar, local or
// session storage, the Origin Private File System or IndexedDB; after a reload the restored
// dataset asks for it again.
import { expect, test } from '@playwright/test';

import { DatasetPanel } from './pages/dataset-panel.mjs';
import { inputs } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

const SECRET = 'pepper-7f3a';

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

/// Where `secret` is found in this origin's storage: names of localStorage/sessionStorage keys,
/// OPFS files and IndexedDB records whose content holds it.
async function storageHolding(page, secret) {
  return page.evaluate(async (secret) => {
    const found = [];
    for (const [name, area] of [['localStorage', localStorage], ['sessionStorage', sessionStorage]]) {
      for (let index = 0; index < area.length; index += 1) {
        const key = area.key(index);
        if (key.includes(secret) || (area.getItem(key) ?? '').includes(secret)) found.push(`${name}:${key}`);
      }
    }
    const latin1 = new TextDecoder('latin1');
    const root = await navigator.storage.getDirectory();
    for await (const [name, handle] of root.entries()) {
      if (handle.kind !== 'file') continue;
      const bytes = await (await handle.getFile()).arrayBuffer();
      if (latin1.decode(bytes).includes(secret)) found.push(`opfs:${name}`);
    }
    for (const { name } of await indexedDB.databases()) {
      const database = await new Promise((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      for (const store of database.objectStoreNames) {
        const values = await new Promise((resolve, reject) => {
          const request = database.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        });
        for (const value of values) {
          const text = value instanceof Uint8Array || value instanceof ArrayBuffer ? latin1.decode(value) : JSON.stringify(value);
          if (text.includes(secret)) found.push(`indexeddb:${name}/${store}`);
        }
      }
      database.close();
    }
    return found;
  }, secret);
}

test("an old link's salt is ignored, removed from the address and explained", async () => {
  const { app, page } = session;
  await app.goto(`?src=sample&mask=1&salt=${SECRET}`);
  await app.waitForData('the sample data');
  await app.openAllSections();
  const notice = page.getByTestId('salt-link-notice');
  await expect(notice).toContainText('a salt shared in a link is in browser histories and server logs');
  await expect(notice).toContainText('no longer secret');
  await expect.poll(() => new URL(page.url()).searchParams.has('salt'), 'salt= left the address bar').toBe(false);
  expect(new URL(page.url()).searchParams.get('mask')).toBe('1');
  expect(new URL(page.url()).searchParams.get('src')).toBe('sample');
  await expect(page.getByTestId('salt-hint')).toContainText('No salt');
  expect(await page.getByTestId('mask-salt').inputValue(), 'the link salt is not used').toBe('');
  await session.screenshot('salt-link-notice', notice);
  // Masking and its salt are in the Privacy menu.
  await app.openPrivacy();
  await session.screenshot('salt-hint-no-salt', page.locator('.mask-bar'));
  await app.closePrivacy();
  await page.getByTestId('dismiss-salt-notice').click();
  await expect(notice).toHaveCount(0);
});

test('a salt typed in stays in memory: not in the address, not in storage, asked for after a reload', async () => {
  const { app, page } = session;
  const dataset = new DatasetPanel(page);
  const salt = page.getByTestId('mask-salt');
  const before = await app.learners.topRows();
  await app.openPrivacy();
  await salt.fill(SECRET);
  await salt.blur();
  await app.closePrivacy();
  // The pseudonyms are keyed by the new salt.
  await expect.poll(async () => JSON.stringify(await app.learners.topRows())).not.toBe(JSON.stringify(before));
  await expect(page.getByTestId('salt-hint')).toContainText("this tab's memory only");

  // A file opened with the salt set is stored (its analysis) for the next visit.
  await app.pickFiles([inputs().dirty]);
  await app.waitForData('dirty.parquet');
  await app.openAllSections();
  await dataset.storedBytes((bytes) => bytes > 0);
  expect(page.url()).not.toContain(SECRET);
  expect(await storageHolding(page, SECRET), 'the salt in storage').toEqual([]);
  expect(await page.evaluate(() => document.documentElement.outerHTML.includes('salt=')), 'no salt= in the page').toBe(false);

  await page.reload();
  await app.waitForData('the dataset stored in this browser');
  await app.openAllSections();
  expect(await salt.inputValue()).toBe('');
  await expect(page.getByTestId('salt-hint')).toContainText('The salt is not stored with the data: enter it again');
  await app.openPrivacy();
  await session.screenshot('salt-asked-again', page.locator('.mask-bar'));
  await app.closePrivacy();
  expect(session.pageErrors).toEqual([]);
});
