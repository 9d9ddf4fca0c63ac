// Journey: the overview answers the first questions from the first screen. With the generated
// dirty file, the headline mean, the learner count, the trust badge and "Needs attention" (learners
// below 40 % with at least 3 videos, then other settings; the courses furthest below the mean;
// the failing rules) equal what the CLI's report says; the section navigation puts the section
// in the address, and the Data section is collapsed until asked for.
import { expect, test } from '@playwright/test';

import { OverviewPanel } from './pages/app-page.mjs';
import { groupThousands, inputs, isTwoDecimals } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

let session;
let overview;
const files = inputs();
test.beforeAll(async ({ browser }) => {
  session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
  overview = new OverviewPanel(session.page);
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

/// The CLI's learners below `threshold` % with at least `minVideos` videos, lowest first.
function cliBelow(threshold, minVideos) {
  return files.reference.learners
    .filter((learner) => learner.avg_completion !== null && learner.videos_watched >= minVideos && learner.avg_completion < threshold)
    .sort((a, b) => a.avg_completion - b.avg_completion || (a.student_id < b.student_id ? -1 : a.student_id > b.student_id ? 1 : 0));
}

test('the overview and needs attention equal the CLI for the dirty file', async () => {
  const { app } = session;
  const { reference } = files;
  await app.goto();
  await app.pickFiles(files.dirty);
  await app.waitForData('dirty.parquet');

  // The overview is the first section, above "Needs attention" and the collapsed sections.
  const order = await app.page.evaluate(() => {
    const at = (id) => document.querySelector(`[data-testid="${id}"]`).getBoundingClientRect().top;
    return { overview: at('overview'), attention: at('needs-attention'), sections: at('section-charts') };
  });
  expect(order.overview).toBeLessThan(order.attention);
  expect(order.attention).toBeLessThan(order.sections);
  expect(order.overview, 'the overview starts on the first screen').toBeLessThan(860);

  expect(isTwoDecimals(await overview.mean.innerText(), reference.summary.mean_completion)).toBe(true);
  await expect(overview.learners).toHaveText(groupThousands(reference.summary.learners));
  const statuses = reference.quality.rules.map((rule) => rule.status);
  const count = (status) => statuses.filter((value) => value === status).length;
  await expect(overview.trustBadge).toContainText(`${count('pass')} passed · ${count('warn')} warned · ${count('fail')} failed`);

  // Defaults: below 40 %, at least 3 videos; both shown.
  await expect(overview.threshold).toHaveValue('40');
  await expect(overview.minVideos).toHaveValue('3');
  for (const [threshold, minVideos] of [[40, 3], [60, 1], [25, 5]]) {
    if (threshold !== 40 || minVideos !== 3) await overview.setAttention(threshold, minVideos);
    const expected = cliBelow(threshold, minVideos);
    await expect.poll(() => overview.learnerCountValue(), { message: `learners below ${threshold} % with ${minVideos}+ videos` }).toBe(expected.length);
    expect(await overview.listedIds()).toEqual(expected.slice(0, 10).map((learner) => learner.student_id));
  }

  // The courses furthest below the mean, lowest first.
  const mean = reference.summary.mean_completion;
  const courses = reference.courses
    .filter((course) => course.avg_completion !== null && course.avg_completion < mean)
    .sort((a, b) => a.avg_completion - b.avg_completion);
  await expect(overview.courses).toHaveCount(Math.min(3, courses.length));
  for (const [index, course] of courses.slice(0, 3).entries()) {
    await expect(overview.courses.nth(index)).toContainText(course.course_id);
  }
  // The failing rules, then the warnings, each with its id and status.
  const listed = ['fail', 'warn'].flatMap((status) => reference.quality.rules.filter((rule) => rule.status === status));
  await expect(overview.rules).toHaveCount(listed.length);
  for (const [index, rule] of listed.entries()) {
    await expect(overview.rules.nth(index)).toContainText(rule.name);
    await expect(overview.rules.nth(index)).toHaveAttribute('data-status', rule.status);
  }
  await session.screenshot('overview-dirty-1366', overview.root);
  await session.screenshot('needs-attention-dirty-1366', overview.attention);
  session.expectNoErrors();
});

test('the section navigation puts the section in the address; Data opens from it', async () => {
  const { app, page } = session;
  await expect(overview.dataSection).not.toHaveAttribute('open', '');
  await overview.nav.getByTestId('nav-quality').click();
  await expect(page).toHaveURL(/#quality$/);
  await expect(app.quality.root).toBeInViewport();
  // The navigation is still on screen after scrolling.
  await expect(overview.nav).toBeInViewport();
  await overview.nav.getByTestId('nav-data').click();
  await expect(page).toHaveURL(/#data$/);
  await expect(overview.dataSection).toHaveAttribute('open', '');
  await expect(page.getByTestId('lineage')).toBeVisible();
  // A reload keeps the section: the dashboard comes back (stored) with Data open.
  await page.reload();
  await expect(app.dashboard).toHaveAttribute('data-complete', 'true', { timeout: 60_000 });
  await expect(page).toHaveURL(/#data$/);
  await expect(overview.dataSection).toHaveAttribute('open', '');
});
