// Page objects for the embed journeys: the host page (another origin) and the CoursePulse
// dashboard inside its iframe. Selectors inside the frame are data-testids, as in app-page.mjs.
import { expect } from '@playwright/test';

/// The compact dashboard inside a frame (an <iframe> or <coursepulse-dashboard>'s iframe).
export class EmbeddedDashboard {
  constructor(frame) {
    this.frame = frame;
    this.root = frame.getByTestId('embed');
    this.title = frame.getByTestId('app-title');
    this.masked = frame.getByTestId('masked-indicator');
    this.courses = frame.getByTestId('embed-courses');
    this.dataLabel = frame.getByTestId('data-label');
    this.dashboard = frame.getByTestId('dashboard');
    this.courseCards = frame.getByTestId('course-list').getByTestId('course-card');
    this.courseFilter = frame.getByTestId('course-filter');
    this.learnersPanel = frame.getByTestId('panel-learners');
    this.qualityPanel = frame.getByTestId('panel-quality');
    this.errorMessage = frame.getByTestId('error-message');
    this.privacyButton = frame.getByTestId('privacy-open');
    this.privacyDialog = frame.getByTestId('privacy-dialog');
  }

  /// The learner ids of the top list, as shown.
  async topLearnerIds() {
    return this.frame
      .getByTestId('top-learners')
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.cells[1].textContent.trim()));
  }

  card(testid) {
    return this.frame.getByTestId(`card-${testid}`);
  }

  /// The data-course keys of the course cards shown.
  async courseKeys() {
    return this.courseCards.evaluateAll((cards) => cards.map((card) => card.dataset.course));
  }
}

/// The host page: its recorded messages and its way of talking to the embed.
export class HostPage {
  constructor(page, frameSelector) {
    this.page = page;
    this.embed = new EmbeddedDashboard(page.frameLocator(frameSelector));
  }

  /// Every CoursePulse message (iframe page) or element event detail (element page) so far.
  async received() {
    return this.page.evaluate(() => window.received);
  }

  /// Waits for a message of `type` after the first `skip` messages and returns it.
  async waitFor(type, skip = 0) {
    await expect
      .poll(async () => (await this.received()).slice(skip).some((message) => message.type === type), {
        message: `the host page receives ${type}`,
      })
      .toBe(true);
    return (await this.received()).slice(skip).find((message) => message.type === type);
  }

  /// Fetches `path` on the host's origin and posts its bytes to the iframe as an ArrayBuffer,
  /// first cutting them to `cutTo` bytes when given.
  async postBuffer(path, name, cutTo) {
    await this.page.evaluate(
      async ({ path, name, cutTo }) => {
        let buffer = await window.fetchBytes(path);
        if (cutTo !== undefined) buffer = buffer.slice(0, cutTo);
        window.sendToEmbed({ type: 'coursepulse:open', buffer, name });
      },
      { path, name, cutTo },
    );
  }

  /// The same through <coursepulse-dashboard>.open().
  async openInElement(path, name, cutTo) {
    await this.page.evaluate(
      async ({ path, name, cutTo }) => {
        let buffer = await window.fetchBytes(path);
        if (cutTo !== undefined) buffer = buffer.slice(0, cutTo);
        document.getElementById('dashboard').open(buffer, name);
      },
      { path, name, cutTo },
    );
  }
}
