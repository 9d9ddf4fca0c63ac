// Page objects for the CoursePulse app: every selector the suite uses lives here, and all of
// them are `data-testid`s (see the list in tests/e2e/README.md), so a restyle does not break tests.
import { expect } from '@playwright/test';

import { groupThousands } from '../support/reference.mjs';

/// The whole app: landing, header, loading, errors, and the dashboard's panels.
export class AppPage {
  constructor(page) {
    this.page = page;
    this.landing = page.getByTestId('landing');
    this.pitch = page.getByTestId('app-pitch');
    this.trySampleButton = page.getByTestId('try-sample');
    this.openSampleButton = page.getByTestId('open-sample');
    // The landing page and the header each have a picker; the header's is always there.
    this.fileInput = page.getByTestId('file-input').first();
    this.progress = page.getByTestId('progress');
    this.dataLabel = page.getByTestId('data-label');
    this.dashboard = page.getByTestId('dashboard');
    this.error = new ErrorBanner(page);
    this.learners = new LearnersPanel(page);
    this.courses = new CoursesPanel(page);
    this.videos = new DataTable(page, 'videos-table');
    this.quality = new QualityPanel(page);
    this.skipLink = page.getByTestId('skip-link');
    this.main = page.getByTestId('main');
    this.announcer = page.getByTestId('announcer');
    this.privacyButton = page.getByTestId('privacy-open');
    this.privacyDialog = page.getByTestId('privacy-dialog');
    this.mappingDialog = page.getByTestId('mapping-dialog');
    this.adjustMappingButton = page.getByTestId('adjust-mapping').first();
  }

  /// Opens the collapsed Data section (files, storage, column mapping, lineage).
  async openData() {
    await this.openSection('data');
  }

  /// Opens the collapsed section `id` (charts, learners, courses, videos, quality, data) by its
  /// summary line, as a reader does.
  async openSection(id) {
    const section = this.page.getByTestId(`section-${id}`);
    if ((await section.getAttribute('open')) === null) {
      await this.page.getByTestId(`section-${id}-summary`).click();
    }
    await expect(section).toHaveAttribute('open', '');
  }

  /// Opens every collapsed section with the navigation's "Open all".
  async openAllSections() {
    const toggle = this.page.getByTestId('toggle-sections');
    if ((await toggle.innerText()).trim() === 'Open all') await toggle.click();
    await expect(toggle).toHaveText('Close all');
    await expect(this.page.locator('details.section:not([open])')).toHaveCount(0);
  }

  /// Opens the Privacy menu (masking, its salt and the statement).
  async openPrivacy() {
    await this.privacyButton.click();
    await expect(this.privacyDialog).toBeVisible();
  }

  /// Closes the Privacy menu.
  async closePrivacy() {
    await this.page.getByTestId('privacy-close').click();
    await expect(this.privacyDialog).toBeHidden();
  }

  /// Whether the page is wider than the viewport (a horizontal scroll bar).
  async horizontalOverflow() {
    return this.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  }

  /// Opens the app (`query` is a query string such as `?src=sample`, or '').
  async goto(query = '') {
    await this.page.goto(process.env.E2E_BASE_URL + query);
    await expect(this.page.getByTestId('app-title')).toBeVisible();
  }

  async trySample() {
    await this.trySampleButton.click();
    await this.waitForData('the sample data');
  }

  /// Picks files through the real <input type=file>: paths, or { name, mimeType, buffer }.
  async pickFiles(files) {
    await this.fileInput.setInputFiles(files);
  }

  /// Waits until a load has finished, every panel is on the page (they render over several
  /// animation frames) and the header says what is shown.
  async waitForData(label) {
    await expect(this.dashboard).toBeVisible({ timeout: 60_000 });
    await panelsRendered(this.page);
    await expect(this.progress).toBeHidden({ timeout: 60_000 });
    await expect(this.dataLabel).toHaveText(`Showing ${label}`);
  }

  /// The headline card `name` (rows, students, learners, courses, videos, mean, quality).
  card(name) {
    return this.page.getByTestId(`card-${name}`).locator('.card-value');
  }

  /// Expects the cards and the learners' top list (the Learners section open) to equal the
  /// CLI's JSON `report`.
  async expectFiguresOf(report) {
    await expect(this.card('rows')).toHaveText(groupThousands(report.rows.total));
    await expect(this.card('students')).toHaveText(groupThousands(report.rows.student));
    await expect(this.card('learners')).toHaveText(groupThousands(report.summary.learners));
    await expect(this.card('videos')).toHaveText(groupThousands(report.summary.videos));
    const shown = await this.learners.topRows();
    expect(shown.map((row) => row.id)).toEqual(report.learners_top.map((row) => row.student_id));
  }

  async cardValues() {
    await panelsRendered(this.page);
    const values = {};
    for (const name of ['rows', 'students', 'learners', 'courses', 'videos', 'mean', 'quality']) {
      // The cards sit in the collapsed Data section: read the text whether it is open or not.
      values[name] = (await this.card(name).textContent()).trim();
    }
    return values;
  }

  panel(name) {
    return this.page.getByTestId(`panel-${name}`);
  }

  /// The names of the measures the page recorded with the User Timing API.
  async measures() {
    return this.page.evaluate(() => performance.getEntriesByType('measure').map((entry) => entry.name));
  }
}

export class ErrorBanner {
  constructor(page) {
    this.root = page.getByTestId('error');
    this.message = page.getByTestId('error-message');
    this.dismissButton = page.getByTestId('dismiss-error');
  }

  async dismiss() {
    await this.dismissButton.click();
    await expect(this.root).toBeHidden();
  }
}

/// A <table>'s body as text cells, one array per row.
/// Waits until the dashboard in `scope` (a page or a frame) has every panel on the page: they
/// render over several animation frames, and a read before then would see a missing panel.
async function panelsRendered(scope) {
  await expect(scope.getByTestId('dashboard')).toHaveAttribute('data-complete', 'true', { timeout: 15_000 });
}

async function tableRows(table) {
  return table.locator('tbody tr').evaluateAll((rows) =>
    rows.map((row) => Array.from(row.cells, (cell) => cell.textContent.trim())),
  );
}

export class LearnersPanel {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('panel-learners');
    this.top = page.getByTestId('top-learners');
    this.bottom = page.getByTestId('bottom-learners');
    this.topN = page.getByTestId('top-n');
    this.mostWatchedId = page.getByTestId('most-watched-id');
    this.table = new DataTable(page, 'learners-table');
  }

  /// Rows of the top list as { rank, id, videos, avg } (all text as shown).
  async topRows() {
    await panelsRendered(this.page);
    return (await tableRows(this.top)).map(rankListRow);
  }

  async bottomRows() {
    await panelsRendered(this.page);
    return (await tableRows(this.bottom)).map(rankListRow);
  }
}

function rankListRow([rank, id, videos, avg]) {
  return { rank, id, videos, avg };
}

/// A paged table whose rows live in the worker, found by its test id prefix.
export class DataTable {
  constructor(page, prefix) {
    this.page = page;
    this.prefix = prefix;
    this.root = page.getByTestId(prefix);
    this.filter = page.getByTestId(`${prefix}-filter`);
    this.downloadButton = page.getByTestId(`${prefix}-download`);
    this.summary = page.getByTestId(`${prefix}-summary`);
    this.prevButton = page.getByTestId(`${prefix}-prev`);
    this.nextButton = page.getByTestId(`${prefix}-next`);
  }

  sortButton(column) {
    return this.page.getByTestId(`${this.prefix}-sort-${column}`);
  }

  async headers() {
    return this.root.locator('thead th').evaluateAll((cells) => cells.map((cell) => cell.textContent.trim()));
  }

  async rows() {
    return tableRows(this.root);
  }

  /// Sorts by `column` and waits until the header shows the expected direction.
  async sortBy(column, direction) {
    await this.sortButton(column).click();
    await expect(this.root.locator('thead th').nth(column)).toHaveAttribute('aria-sort', direction);
  }

  /// Types into the filter box and waits for the summary to say `summary`.
  async filterBy(text, summary) {
    await this.filter.fill(text);
    await expect(this.summary).toHaveText(summary);
  }

  /// Clicks Download CSV; resolves to { fileName, text }.
  async download() {
    const [download] = await Promise.all([
      this.page.waitForEvent('download', { timeout: 15_000 }),
      this.downloadButton.click(),
    ]);
    const failure = await download.failure();
    if (failure) throw new Error(`download of ${download.suggestedFilename()} failed: ${failure}`);
    const stream = await download.createReadStream();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    return { fileName: download.suggestedFilename(), text: Buffer.concat(chunks).toString('utf8') };
  }
}

export class CoursesPanel {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('panel-courses');
    this.cards = page.getByTestId('course-list').getByTestId('course-card');
    this.perCourseN = page.getByTestId('per-course-n');
    this.videos = page.getByTestId('course-videos');
    this.videosTable = new DataTable(page, 'course-videos-table');
  }

  card(courseKey) {
    return this.cards.and(this.page.locator(`[data-course="${courseKey}"]`));
  }

  /// Every course card as { course, top: [video ids], bottom: [video ids] }, in page order.
  async lists() {
    await panelsRendered(this.page);
    return this.cards.evaluateAll((cards) =>
      cards.map((card) => ({
        course: card.dataset.course,
        top: Array.from(card.querySelectorAll('ol[data-testid=course-top] li'), (li) => li.dataset.video),
        bottom: Array.from(card.querySelectorAll('ol[data-testid=course-bottom] li'), (li) => li.dataset.video),
      })),
    );
  }

  /// Opens the list of every video of `courseKey`.
  async openCourse(courseKey) {
    await this.card(courseKey).locator('.course-title').click();
    await expect(this.videos).toBeVisible();
  }
}

export class QualityPanel {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('panel-quality');
    this.status = page.getByTestId('quality-status');
    this.rules = page.getByTestId('quality-table').getByTestId('quality-rule');
    this.samples = page.getByTestId('quality-samples');
    this.samplesTable = new DataTable(page, 'samples-table');
  }

  rule(name) {
    return this.rules.and(this.page.locator(`[data-rule="${name}"]`));
  }

  /// Every rule as { name, status, count, crossed } with the count as a number.
  async ruleRows() {
    await panelsRendered(this.page);
    return this.rules.evaluateAll((rows) =>
      rows.map((row) => ({
        name: row.dataset.rule,
        status: row.dataset.status,
        count: Number(row.querySelector('[data-testid=rule-count]').textContent.replace(/,/g, '')),
        // The level marked as crossed: warn_if, error_if, or null.
        crossed: { 'rule-warn-if': 'warn_if', 'rule-error-if': 'error_if' }[
          row.querySelector('[data-crossed=true]')?.dataset.testid
        ] ?? null,
      })),
    );
  }

  async showRows(name) {
    await this.rule(name).getByTestId('show-rows').click();
    await expect(this.samples).toBeVisible();
  }
}

/// The overview and "Needs attention" at the top of the dashboard, the section navigation and
/// the collapsed Data section.
export class OverviewPanel {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('overview');
    this.mean = page.getByTestId('overview-mean');
    this.learners = page.getByTestId('overview-learners');
    this.trustBadge = page.getByTestId('trust-badge');
    this.attention = page.getByTestId('needs-attention');
    this.threshold = page.getByTestId('attention-threshold');
    this.minVideos = page.getByTestId('attention-min-videos');
    this.learnerCount = page.getByTestId('attention-learner-count');
    this.listedLearners = page.getByTestId('attention-learner');
    this.courses = page.getByTestId('attention-course');
    this.rules = page.getByTestId('attention-rule');
    this.nav = page.getByTestId('section-nav');
    this.dataSection = page.getByTestId('section-data');
  }

  /// Sets the threshold and the minimum number of videos as a user types them.
  async setAttention(threshold, minVideos) {
    await this.threshold.fill(String(threshold));
    await this.threshold.press('Enter');
    await this.threshold.dispatchEvent('change');
    await this.minVideos.fill(String(minVideos));
    await this.minVideos.dispatchEvent('change');
  }

  /// The listed learners' ids, in order.
  async listedIds() {
    return this.listedLearners.evaluateAll((items) => items.map((item) => item.dataset.learner));
  }

  /// The number at the start of the learner count sentence.
  async learnerCountValue() {
    const text = await this.learnerCount.innerText();
    return Number(text.trim().split(/\s+/)[0].replace(/,/g, ''));
  }

  /// Opens the collapsed Data section (files, storage, mapping, lineage).
  async openData() {
    if ((await this.dataSection.getAttribute('open')) === null) {
      await this.page.getByTestId('section-data-summary').click();
    }
    await expect(this.dataSection).toHaveAttribute('open', '');
  }
}

/// The overview's comparison with the previous period of the same length (both dates set).
export class PeriodComparison {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('period-comparison');
    this.heading = this.root.locator('h3');
    this.unavailable = page.getByTestId('comparison-unavailable');
  }

  /// The row of figure `key` (mean, learners, videos, rows): this period, the previous, the
  /// change as shown and in words.
  async row(key) {
    const row = this.root.getByTestId(`comparison-${key}`);
    const change = row.getByTestId('change');
    return {
      current: (await row.getByTestId('current').innerText()).trim(),
      previous: (await row.getByTestId('previous').innerText()).trim(),
      shown: (await change.locator('[aria-hidden="true"]').innerText()).trim(),
      words: (await change.locator('.visually-hidden').textContent()).trim(),
    };
  }

  /// Sets the date range in the filter bar as a user does (empty strings clear it).
  async setDates(from, to) {
    for (const [testid, value] of [['date-from', from], ['date-to', to]]) {
      await this.page.getByTestId(testid).fill(value);
      await this.page.getByTestId(testid).dispatchEvent('change');
    }
  }
}
