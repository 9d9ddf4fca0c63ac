// One browser context per journey, watched: every request (page and worker), console errors,
// page errors and failed requests are recorded so a journey can assert there were none and
// that nothing left 127.0.0.1.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from '@playwright/test';

import { AppPage } from '../pages/app-page.mjs';

export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

/// A request URL without origin and base path, for the log line.
function shortPath(url) {
  return url.startsWith('blob:') ? 'blob:' : new URL(url).pathname.replace(/^\/app\//, '') || '/';
}

export class Session {
  /// `options` are Playwright context options (viewport, colorScheme...) over the defaults.
  static async open(browser, options = {}) {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
      ...options,
    });
    const session = new Session(context, await context.newPage());
    return session;
  }

  constructor(context, page) {
    this.context = context;
    this.page = page;
    this.app = new AppPage(page);
    this.requests = [];
    this.consoleErrors = [];
    this.pageErrors = [];
    this.failedRequests = [];
    // The context sees the dedicated worker's fetches (the wasm, the sample) as well as the page's.
    // Requests the service worker makes on its own (precaching the build) are kept apart, so a
    // journey can tell what the app itself fetched.
    this.appRequests = [];
    context.on('request', (request) => {
      this.requests.push(request.url());
      if (!request.serviceWorker()) this.appRequests.push(request.url());
    });
    context.on('requestfailed', (request) =>
      this.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`),
    );
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
  }

  /// The analysis workers running now: the page's own and any share workers it started.
  analysisWorkers() {
    return this.page.workers().filter((worker) => worker.url().includes('coursepulse-worker'));
  }

  /// Fails unless every request went to the app's own origin (blob: and data: URLs are local).
  expectOnlyLocalRequests() {
    const origin = new URL(process.env.E2E_BASE_URL).origin;
    const foreign = this.requests.filter((url) => {
      if (url.startsWith('data:')) return false;
      if (url.startsWith('blob:')) return !url.startsWith(`blob:${origin}/`);
      return new URL(url).origin !== origin;
    });
    expect(this.requests.length, 'the page made no requests at all?').toBeGreaterThan(0);
    expect(foreign, `requests outside ${origin}`).toEqual([]);
    console.log(`${this.requests.length} requests, all to ${origin}: ${[...new Set(this.requests.map(shortPath))].join(' ')}`);
  }

  expectNoErrors() {
    expect(this.pageErrors, 'page errors').toEqual([]);
    expect(this.consoleErrors, 'console errors').toEqual([]);
    expect(this.failedRequests, 'failed requests').toEqual([]);
  }

  /// Saves a screenshot of `locator` (or the full page) as artifacts/NAME.png; returns the path.
  async screenshot(name, locator) {
    const path = join(ARTIFACTS, `${name}.png`);
    mkdirSync(ARTIFACTS, { recursive: true });
    if (locator) {
      await locator.scrollIntoViewIfNeeded();
      await locator.screenshot({ path, animations: 'disabled' });
    } else {
      await this.page.screenshot({ path, fullPage: true, animations: 'disabled' });
    }
    return path;
  }

  /// For afterEach: a full-page screenshot when the test failed, so the report can point at it.
  async screenshotOnFailure(testInfo) {
    if (testInfo.status === testInfo.expectedStatus) return;
    const slug = testInfo.title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const path = await this.screenshot(`failed-${slug}`).catch(() => null);
    if (path) testInfo.annotations.push({ type: 'screenshot', description: path });
  }

  async close() {
    await this.context.close();
  }
}
