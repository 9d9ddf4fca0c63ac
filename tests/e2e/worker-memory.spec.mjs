// Journey: the analysis worker dies during a load the way wasm does when it runs out of memory
// (a `RuntimeError: unreachable` trap, raised here inside the real worker while it reads a slow
// remote file, since no test machine can spare the 4 GB a real exhaustion takes). The load
// fails with a message that names the likeliest cause and the limit, the progress goes away,
// and the page survives: a fresh worker loads the sample right after.
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

test('a worker that runs out of memory during a load fails it with a clear message, and the page survives', async () => {
  const { app } = session;
  // The e2e server answers each request for this file 400 ms late: the load takes seconds.
  await app.goto(`?src=${encodeURIComponent('data/slow.parquet?delay=400')}`);
  await expect(app.progress).toBeVisible({ timeout: 15_000 });
  // The progress can show before Playwright has reported the worker: wait for it to be listed.
  await expect
    .poll(() => session.analysisWorkers().length, { message: 'the analysis worker is running', timeout: 15_000 })
    .toBeGreaterThan(0);
  const [worker] = session.analysisWorkers();
  // What an allocation failure in wasm looks like from outside: an uncaught trap in the worker.
  await worker.evaluate(() => {
    setTimeout(() => {
      throw new WebAssembly.RuntimeError('unreachable');
    }, 0);
  });

  await expect(app.error.message).toContainText('The analysis worker failed', { timeout: 15_000 });
  await expect(app.error.message).toContainText('most likely it ran out of memory');
  await expect(app.error.message).toContainText('at most 4 GB');
  await expect(app.progress).toBeHidden();
  await expect(app.landing).toBeVisible();
  // The worker's uncaught trap reaches the page's error event, as a real one does; nothing else.
  expect(session.pageErrors, 'no page error but the worker\'s trap').toEqual(['unreachable']);
  await session.screenshot('worker-out-of-memory');

  // The page still works: the next load starts a fresh worker.
  await app.error.dismiss();
  await app.trySample();
  await app.openAllSections();
  await expect(app.dashboard).toBeVisible({ timeout: 30_000 });
});
