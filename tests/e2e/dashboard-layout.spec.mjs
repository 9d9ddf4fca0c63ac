// Journey: the dashboard reads at a glance. With the sample, the overview and "Needs attention"
// come first and every other section is one collapsed line, at 1366x860 and on a 390x844 phone
// (the page heights, collapsed and with every section open, are written to
// artifacts/page-heights.json; on the phone "Needs attention" lists three learners, videos and
// failing rules until "Show all"); the navigation opens a section and the address remembers it; a
// keyboard alone reaches every section and every control; the trend, the histogram and the
// course bars show a tooltip on focus (arrow keys) and on hover; presentation mode shows one section
// at a time and the arrow keys move through all of them. With the dirty file, the learner
// rankings' minimum number of videos equals the CLI's `--min-videos` and is in the address.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

import { COLLAPSIBLE, DashboardSections } from './pages/dashboard-sections.mjs';
import { groupThousands, inputs, isTwoDecimals } from './support/reference.mjs';
import { ARTIFACTS, Session } from './support/session.mjs';

const heights = {};
test.afterAll(() => {
  writeFileSync(join(ARTIFACTS, 'page-heights.json'), `${JSON.stringify(heights, null, 2)}\n`);
});

for (const [width, height] of [[1366, 860], [390, 844]]) {
  test(`at ${width}x${height} the overview leads and the rest is one line per section`, async ({ browser }) => {
    const session = await Session.open(browser, { viewport: { width, height } });
    try {
      const { app, page } = session;
      const sections = new DashboardSections(page);
      await app.goto('?src=sample');
      await app.waitForData('the sample data');
      expect(await sections.openIds(), 'no section starts open').toEqual([]);
      const top = (testid) => page.getByTestId(testid).evaluate((element) => element.getBoundingClientRect().top + window.scrollY);
      expect(await top('overview'), 'the overview starts on the first screen').toBeLessThan(height);
      expect(await top('needs-attention')).toBeGreaterThan(await top('overview'));
      expect(await top('section-charts')).toBeGreaterThan(await top('needs-attention'));
      // "Needs attention" lists every learner, video and failing rule on a desktop, the first
      // three on a phone, where "Show all" lists the rest.
      for (const what of ['learners', 'videos', 'rules']) {
        const items = page.getByTestId(`attention-${what}`).locator('li');
        const total = await items.count();
        expect(total, `the sample has more than three ${what} to list`).toBeGreaterThan(3);
        const showAll = page.getByTestId(`show-all-${what}`);
        if (width > 640) {
          await expect(items.filter({ visible: true })).toHaveCount(total);
          await expect(showAll).toBeHidden();
        } else {
          await expect(items.filter({ visible: true })).toHaveCount(3);
          await showAll.click();
          await expect(showAll).toHaveAttribute('aria-expanded', 'true');
          await expect(items.filter({ visible: true })).toHaveCount(total);
          await showAll.click();
          await expect(items.filter({ visible: true })).toHaveCount(3);
        }
      }
      const collapsed = await sections.pageSize();
      expect(collapsed.width, 'no sideways scroll').toBeLessThanOrEqual(width);
      await session.screenshot(`layout-collapsed-${width}`);

      await app.openAllSections();
      expect(await sections.openIds()).toEqual(COLLAPSIBLE);
      const open = await sections.pageSize();
      expect(open.width, 'no sideways scroll with every section open').toBeLessThanOrEqual(width);
      // Collapsing is what keeps the page short: every section holds far more than its line.
      expect(collapsed.height * 2, `collapsed ${collapsed.height} px, open ${open.height} px`).toBeLessThan(open.height);
      heights[`${width}x${height}`] = { collapsed: collapsed.height, allOpen: open.height, screens: +(collapsed.height / height).toFixed(2) };
      console.log(`page height at ${width}x${height}: ${collapsed.height} px collapsed, ${open.height} px with every section open`);
      await sections.toggleAll.click();
      expect(await sections.openIds()).toEqual([]);
      session.expectNoErrors();
    } finally {
      await session.close();
    }
  });
}

test.describe('one session with the sample', () => {
  test.describe.configure({ mode: 'serial' });
  let session;
  let sections;
  test.beforeAll(async ({ browser }) => {
    session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
    sections = new DashboardSections(session.page);
    await session.app.goto('?src=sample');
    await session.app.waitForData('the sample data');
  });
  test.afterEach(async ({}, testInfo) => {
    await session.screenshotOnFailure(testInfo);
  });
  test.afterAll(async () => {
    await session?.close();
  });

  test('a section opened from the navigation is in the address and opens again after a reload', async () => {
    const { page } = session;
    await sections.nav.getByTestId('nav-learners').click();
    await expect(sections.section('learners')).toHaveAttribute('open', '');
    await expect(page).toHaveURL(/#learners$/);
    await expect(page.getByTestId('panel-learners')).toBeInViewport();
    // Opening one by its summary line puts it in the address too.
    await sections.summary('courses').click();
    await expect(page).toHaveURL(/#courses$/);
    await page.reload();
    await expect(page.getByTestId('dashboard')).toHaveAttribute('data-complete', 'true', { timeout: 60_000 });
    expect(await sections.openIds()).toEqual(['courses']);
    await sections.toggleAll.click();
    await sections.toggleAll.click();
    expect(await sections.openIds()).toEqual([]);
  });

  test('the keyboard alone reaches every section and every control', async () => {
    const { page } = session;
    // Start where a keyboard user starts: the skip link, the page's first stop.
    await page.getByTestId('skip-link').focus();
    const walk = await sections.keyboardWalk(600);
    const reached = new Set(walk.map((item) => item.testid));
    for (const id of COLLAPSIBLE) {
      expect(reached.has(`section-${id}-summary`), `the ${id} summary had focus`).toBe(true);
    }
    expect(await sections.openIds(), 'Enter opened every section').toEqual(COLLAPSIBLE);
    for (const control of ['nav-overview', 'toggle-sections', 'present-start', 'attention-threshold', 'attention-min-videos', 'course-filter', 'download-report', 'top-n', 'min-videos', 'per-course-n', 'min-views', 'daily-chart', 'histogram-plot', 'course-bars-plot']) {
      expect(reached.has(control), `${control} had focus`).toBe(true);
    }
    expect(await sections.unwalked(), 'controls the keyboard never reached').toEqual([]);
    console.log(`keyboard walk: ${walk.length} Tab presses through the dashboard`);
  });

  test('the trend chart shows a day on keyboard focus and on hover', async () => {
    const { page } = session;
    const chart = page.getByTestId('daily-chart');
    const tooltip = page.getByTestId('daily-tooltip');
    const days = await page.getByTestId('daily-table').locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.cells[0].textContent));
    expect(days.length).toBeGreaterThan(1);
    await chart.focus();
    await page.keyboard.press('End');
    await expect(tooltip).toContainText(days[days.length - 1]);
    await page.keyboard.press('Home');
    await expect(tooltip).toContainText(days[0]);
    await page.keyboard.press('ArrowRight');
    await expect(tooltip).toContainText(days[1]);
    await chart.blur();
    await expect(tooltip).toHaveCount(0);
    const box = await chart.boundingBox();
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await expect(tooltip).toContainText(days[days.length - 1]);
    await page.mouse.move(0, 0);
    await expect(tooltip).toHaveCount(0);
  });

  test('the histogram and the course bars show their figures on keyboard focus and on hover', async () => {
    const { app, page } = session;
    await app.openSection('charts');
    /// The rows of a chart's table for screen readers: [heading, first figure].
    const tableRows = (testid) =>
      page.getByTestId(testid).locator('tbody tr').evaluateAll((rows) => rows.map((row) => [row.cells[0].textContent, row.cells[1].textContent]));

    const bands = await tableRows('histogram-table');
    expect(bands.length).toBe(10);
    const histogram = page.getByTestId('histogram-plot');
    const bandTip = page.getByTestId('histogram-tooltip');
    const band = ([label, count]) => `${label}: ${count} values`;
    await histogram.focus();
    await page.keyboard.press('Home');
    await expect(bandTip).toContainText(band(bands[0]));
    await page.keyboard.press('ArrowRight');
    await expect(bandTip).toContainText(band(bands[1]));
    await page.keyboard.press('End');
    await expect(bandTip).toContainText(band(bands[9]));
    await session.screenshot('histogram-tooltip-1366', page.getByTestId('panel-histogram'));
    await histogram.blur();
    await expect(bandTip).toHaveCount(0);
    const box = await histogram.boundingBox();
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await expect(bandTip).toContainText(band(bands[0]));
    await page.mouse.move(0, 0);
    await expect(bandTip).toHaveCount(0);

    const courses = await tableRows('course-bars-table');
    expect(courses.length).toBeGreaterThan(1);
    const bars = page.getByTestId('course-bars-plot');
    const courseTip = page.getByTestId('course-tooltip');
    const course = ([label, average]) => `${label}: average ${average}`;
    await bars.focus();
    await page.keyboard.press('ArrowDown');
    await expect(courseTip).toContainText(course(courses[0]));
    await page.keyboard.press('ArrowDown');
    await expect(courseTip).toContainText(course(courses[1]));
    await page.keyboard.press('End');
    await expect(courseTip).toContainText(course(courses[courses.length - 1]));
    await session.screenshot('course-tooltip-1366', page.getByTestId('panel-course-chart'));
    await bars.blur();
    await expect(courseTip).toHaveCount(0);
    // The mouse over a bar picks that course.
    const plot = await bars.boundingBox();
    await page.mouse.move(plot.x + plot.width / 2, plot.y + (1.5 * plot.height) / courses.length);
    await expect(courseTip).toContainText(course(courses[1]));
    await page.mouse.move(0, 0);
    await expect(courseTip).toHaveCount(0);
  });

  test('presentation mode shows one section at a time and the arrow keys move through all', async () => {
    const { page } = session;
    await sections.presentButton.click();
    await expect(sections.presentBar).toBeVisible();
    await expect(sections.presentPosition).toHaveText('1 of 7: Overview');
    expect(await sections.presentedIds()).toEqual(['overview']);
    await expect(page.getByTestId('needs-attention')).toBeHidden();
    await session.screenshot('present-overview-1366', page.getByTestId('dashboard'));
    const expected = ['attention', 'charts', 'learners', 'courses', 'videos', 'quality'];
    for (const [index, id] of expected.entries()) {
      await page.keyboard.press('ArrowRight');
      await expect(sections.presentPosition).toHaveText(new RegExp(`^${index + 2} of 7: `));
      expect(await sections.presentedIds()).toEqual([id]);
    }
    await expect(page.getByTestId('panel-quality')).toBeVisible();
    await session.screenshot('present-quality-1366', page.getByTestId('dashboard'));
    // The last section stays the last; Home goes back to the first.
    await page.keyboard.press('ArrowRight');
    await expect(sections.presentPosition).toHaveText('7 of 7: Quality');
    await page.keyboard.press('Home');
    await expect(sections.presentPosition).toHaveText('1 of 7: Overview');
    await page.keyboard.press('ArrowLeft');
    await expect(sections.presentPosition).toHaveText('1 of 7: Overview');
    await page.keyboard.press('Escape');
    await expect(sections.presentBar).toBeHidden();
    await expect(page.getByTestId('needs-attention')).toBeVisible();
    await expect(sections.nav).toBeVisible();
    session.expectNoErrors();
  });
});

test("the learner rankings' minimum number of videos equals the CLI's --min-videos", async ({ browser }) => {
  const files = inputs();
  const root = resolve(import.meta.dirname, '..', '..');
  const cli = process.env.E2E_CLI ?? join(resolve(root, process.env.CARGO_TARGET_DIR ?? 'target'), 'debug', 'coursepulse');
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const cliReport = (minVideos) => {
    const result = spawnSync(cli, ['report', files.dirty, '--format', 'json', '--now', now, '--min-videos', String(minVideos)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    expect([0, 1], result.stderr).toContain(result.status);
    return JSON.parse(result.stdout);
  };
  const session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
  try {
    const { app, page } = session;
    const sections = new DashboardSections(page);
    await app.goto();
    await app.pickFiles(files.dirty);
    await app.waitForData('dirty.parquet');
    await app.openSection('learners');
    await expect(sections.minVideos).toHaveValue('1');
    const rows = async () => ({ top: await app.learners.topRows(), bottom: await app.learners.bottomRows() });
    const same = (shown, expected) =>
      shown.length === expected.length &&
      shown.every((row, index) => row.id === expected[index].student_id &&
        row.videos === groupThousands(expected[index].videos_watched) &&
        isTwoDecimals(row.avg, expected[index].avg_completion));
    for (const minVideos of [3, 6, 1]) {
      const reference = cliReport(minVideos);
      // The minimum must change the lists for the check to mean anything.
      if (minVideos === 6) expect(reference.learners_bottom.map((row) => row.student_id)).not.toEqual(cliReport(1).learners_bottom.map((row) => row.student_id));
      await sections.setMinVideos(minVideos);
      await app.waitForData('dirty.parquet');
      await expect.poll(async () => {
        const shown = await rows();
        return same(shown.top, reference.learners_top) && same(shown.bottom, reference.learners_bottom);
      }, { message: `top and bottom with at least ${minVideos} videos`, timeout: 30_000 }).toBe(true);
      for (const row of [...(await rows()).top, ...(await rows()).bottom]) {
        expect(Number(row.videos.replace(/,/g, ''))).toBeGreaterThanOrEqual(minVideos);
      }
      if (minVideos > 1) {
        await expect(page).toHaveURL(new RegExp(`[?&]min_videos=${minVideos}(&|#|$)`));
        await expect(sections.minVideosNote).toContainText(`at least ${minVideos} videos`);
      } else {
        await expect.poll(() => new URL(page.url()).searchParams.has('min_videos')).toBe(false);
      }
    }
    await session.screenshot('learners-min-videos', page.getByTestId('panel-learners'));
    session.expectNoErrors();
  } finally {
    await session.close();
  }
});
