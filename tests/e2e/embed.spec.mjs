// Journey: an LMS page on another origin (http://localhost:PORT, the app being on
// http://127.0.0.1:PORT) embeds the dashboard for one course in masked mode, first as an
// <iframe> of embed.html, then as <coursepulse-dashboard>; it hands data over by postMessage
// and hears loaded, error and selection events. The figures are checked against the CLI's.
// The host's origin is listed in the embed-config.json the suite serves, as a deployer would
// list it (embed-security.spec.mjs shows what an unlisted site gets: nothing).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '@playwright/test';

import { HostPage } from './pages/embed-page.mjs';
import { groupThousands } from './support/reference.mjs';
import { startHost } from './support/host.mjs';
import { Session } from './support/session.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = resolve(ROOT, process.env.E2E_DIST ?? 'dist');
const SAMPLE = join(DIST, 'sample', 'watch-logs.parquet');
const CLI = process.env.E2E_CLI ?? join(resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target'), 'debug', 'coursepulse');

/// The CLI's JSON report of `file` with `args`.
function cliReport(file, args = []) {
  const result = spawnSync(CLI, ['report', file, '--format', 'json', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || ![0, 1].includes(result.status)) throw new Error(`${CLI} failed: ${result.error?.message ?? result.stderr}`);
  return JSON.parse(result.stdout);
}

let host;
let session;
let course;
let courseReport;

test.beforeAll(async ({ browser }) => {
  host = await startHost(process.env.E2E_BASE_URL, join(DIST, 'sample'));
  const allowed = await fetch(`${process.env.E2E_BASE_URL}__embed-config?allow=${host.origin}`);
  expect(allowed.ok, 'the suite serves an embed-config.json listing the host').toBe(true);
  const courses = cliReport(SAMPLE).courses;
  expect(courses.length, 'the sample has several courses, so restricting to one shows').toBeGreaterThan(1);
  course = courses[0].course_id;
  courseReport = cliReport(SAMPLE, ['--course', course]);
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
  await fetch(`${process.env.E2E_BASE_URL}__embed-config/reset`);
  await session?.close();
  await host?.close();
});

/// Fails unless every request went to the app's or the host's origin.
function expectOnlyTheTwoOrigins() {
  const allowed = [new URL(process.env.E2E_BASE_URL).origin, host.origin];
  const foreign = session.requests.filter((url) => {
    if (url.startsWith('data:')) return false;
    if (url.startsWith('blob:')) return !allowed.some((origin) => url.startsWith(`blob:${origin}/`));
    return !allowed.includes(new URL(url).origin);
  });
  expect(foreign, `requests outside ${allowed.join(' and ')}`).toEqual([]);
}

test('an iframe on another origin shows one course, masked, from ?src=', async () => {
  const { page } = session;
  await page.setViewportSize({ width: 800, height: 600 });
  const query = `src=sample&course=${course}&mask=1&panels=learners,courses,quality`;
  await page.goto(host.url(`/iframe.html?query=${encodeURIComponent(query)}`));
  const hostPage = new HostPage(page, '#embed');
  const { embed } = hostPage;

  await expect(embed.title).toBeVisible();
  await expect(embed.masked).toHaveText('Masked');
  await expect(embed.courses).toContainText(course);
  await expect(embed.dashboard).toBeVisible();
  await expect(embed.courseFilter, 'a restricted embed offers no course filter').toHaveCount(0);
  await expect(embed.courseCards).toHaveCount(1);
  expect(await embed.courseKeys()).toEqual([course]);
  await expect(embed.card('learners').locator('.card-value')).toHaveText(groupThousands(courseReport.summary.learners));
  await expect(embed.learnersPanel).toBeVisible();
  await expect(embed.qualityPanel).toBeVisible();
  // Masked for real: the top list shows pseudonyms, and no clear id of the course is in the frame.
  const shownIds = await embed.topLearnerIds();
  expect(shownIds.length).toBeGreaterThan(0);
  expect(shownIds.every((id) => /^L-[0-9a-f]{12}$/.test(id)), shownIds.join(' ')).toBe(true);
  const clearIds = new Set(courseReport.learners.map((learner) => learner.student_id));
  expect(shownIds.filter((id) => clearIds.has(id)), 'clear learner ids in the masked embed').toEqual([]);

  const ready = await hostPage.waitFor('coursepulse:ready');
  expect(ready).toEqual({ type: 'coursepulse:ready' });
  const loaded = await hostPage.waitFor('coursepulse:loaded');
  expect(loaded.filter).toEqual([course]);
  expect(loaded.courseKeys).toEqual([course]);
  expect(loaded.masked).toBe(true);
  expect(loaded.rows).toBe(courseReport.rows.total);
  expect(loaded.learners).toBe(courseReport.summary.learners);
  expect(loaded.videos).toBe(courseReport.summary.videos);
  expect(JSON.stringify(loaded), 'no learner id reaches the host').not.toContain(courseReport.learners[0].student_id);

  await session.screenshot('embed-iframe-600x400', page.locator('#embed'));
  expectOnlyTheTwoOrigins();
  session.expectNoErrors();
});

test('the host hands over an ArrayBuffer by postMessage and hears loaded, then error', async () => {
  const hostPage = new HostPage(session.page, '#embed');
  const { embed } = hostPage;
  let seen = (await hostPage.received()).length;

  await hostPage.postBuffer('/data/watch-logs.parquet', 'week-12.parquet');
  const loaded = await hostPage.waitFor('coursepulse:loaded', seen);
  expect(loaded.source).toBe('week-12.parquet');
  expect(loaded.courseKeys, 'the course restriction holds for data the host sends').toEqual([course]);
  expect(loaded.learners).toBe(courseReport.summary.learners);
  await expect(embed.dataLabel).toHaveText('week-12.parquet');

  // The first 100 bytes of a Parquet file: the magic is there, the footer is not.
  seen = (await hostPage.received()).length;
  await hostPage.postBuffer('/data/watch-logs.parquet', 'cut.parquet', 100);
  const failed = await hostPage.waitFor('coursepulse:error', seen);
  // The host hears a code and a fixed sentence; the frame alone shows the engine's message,
  // which may quote the file.
  expect(failed).toEqual({
    type: 'coursepulse:error',
    code: 'load-failed',
    message: 'The data could not be read; the embedded dashboard shows why.',
  });
  await expect(embed.errorMessage).toContainText('cut.parquet');
  await expect(embed.errorMessage).toContainText('a Parquet file ends with the PAR1 magic bytes, this one (100 bytes) ends with');
  await expect(embed.dataLabel, 'the data shown before is kept').toHaveText('week-12.parquet');

  // Malformed messages are ignored with a warning; nothing else happens.
  seen = (await hostPage.received()).length;
  session.warnings.length = 0;
  await session.page.evaluate(() => {
    window.sendToEmbed({ type: 'coursepulse:open', buffer: 'not bytes' });
    window.sendToEmbed({ type: 'coursepulse:launch' });
    window.sendToEmbed('hello');
  });
  await expect.poll(() => session.warnings.filter((text) => text.includes('ignored a malformed message')).length).toBe(3);
  expect(session.warnings.join('\n')).toContain('buffer must be an ArrayBuffer or a typed array');
  expect(session.warnings.join('\n')).toContain("the embed understands only 'coursepulse:open'");
  expect((await hostPage.received()).slice(seen)).toEqual([]);
  expectOnlyTheTwoOrigins();
});

test('<coursepulse-dashboard> from a script tag: masked, one course, open(), events', async () => {
  const { page } = session;
  session.consoleErrors.length = 0;
  // A salt attribute is ignored (a secret in the host's DOM is no secret): setSalt() instead.
  const attrs = new URLSearchParams({ courses: course, mask: '', panels: 'courses,learners', theme: 'dark', salt: 'in-the-dom' });
  await page.goto(host.url(`/element.html?attrs=${encodeURIComponent(attrs)}`));
  const hostPage = new HostPage(page, '#dashboard iframe');
  const { embed } = hostPage;

  await expect(embed.title).toBeVisible();
  const src = await page.locator('#dashboard iframe').getAttribute('src');
  expect(new URL(src).origin, 'the iframe comes from the script origin').toBe(new URL(process.env.E2E_BASE_URL).origin);
  expect(new URL(src).searchParams.get('origin'), 'who may embed is not the URL\'s business').toBeNull();
  expect(src, 'the salt attribute does not reach the URL').not.toContain('salt');
  await expect(embed.masked).toBeVisible();
  await expect(embed.courses).toContainText(course);

  await hostPage.waitFor('coursepulse:ready');
  await hostPage.openInElement('/data/watch-logs.parquet', 'from-the-lms.parquet');
  const loaded = await hostPage.waitFor('coursepulse:loaded');
  expect(loaded.source).toBe('from-the-lms.parquet');
  expect(loaded.courseKeys).toEqual([course]);
  expect(loaded.masked).toBe(true);
  expect(loaded.rows).toBe(courseReport.rows.total);
  await expect(embed.courseCards).toHaveCount(1);

  // setSalt() keys the pseudonyms by message, leaving no trace in the page or the URL.
  const unsalted = await embed.topLearnerIds();
  await page.evaluate(() => document.getElementById('dashboard').setSalt('by-message'));
  await expect.poll(async () => JSON.stringify(await embed.topLearnerIds())).not.toBe(JSON.stringify(unsalted));
  expect((await embed.topLearnerIds()).every((id) => /^L-[0-9a-f]{12}$/.test(id))).toBe(true);
  expect(await page.content()).not.toContain('by-message');

  const seen = (await hostPage.received()).length;
  await embed.courseCards.first().locator('.course-title').click();
  const selection = await hostPage.waitFor('coursepulse:selection', seen);
  expect(selection.course).toBe(course);

  const before = (await hostPage.received()).length;
  await hostPage.openInElement('/data/watch-logs.parquet', 'cut.parquet', 100);
  const failed = await hostPage.waitFor('coursepulse:error', before);
  expect(failed.code).toBe('load-failed');
  expect(JSON.stringify(failed)).not.toContain('cut.parquet');

  await embed.privacyButton.click();
  await expect(embed.privacyDialog).toContainText('Your data stays on this device');
  await expect(embed.privacyDialog).toContainText('Content-Security-Policy');
  await session.screenshot('embed-element-privacy', page.locator('#dashboard'));
  await embed.frame.getByTestId('privacy-close').click();
  expectOnlyTheTwoOrigins();
  expect(session.pageErrors).toEqual([]);
});

test('the compact layout at 600x400 and 1200x800 (screenshots)', async () => {
  const { page } = session;
  const url = `${process.env.E2E_BASE_URL}embed.html?src=sample&course=${course}&panels=charts,learners,courses,quality&theme=light`;
  for (const [width, height] of [[600, 400], [1200, 800]]) {
    await page.setViewportSize({ width, height });
    await page.goto(url);
    const dashboard = page.getByTestId('dashboard');
    await expect(dashboard).toBeVisible();
    await expect(page.getByTestId('masked-indicator'), 'masking is on by default in embeds').toBeVisible();
    // Nothing is wider than the frame: the embed never scrolls sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `horizontal overflow at ${width}x${height}`).toBeLessThanOrEqual(0);
    const path = join(ROOT, 'tests', 'e2e', 'artifacts', `embed-${width}x${height}.png`);
    await page.screenshot({ path, animations: 'disabled' });
  }
  session.expectNoErrors();
});
