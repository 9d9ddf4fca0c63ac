// Page objects for the dashboard's layout: the collapsed sections, the navigation's "Open all",
// presentation mode and the learner rankings' minimum number of videos. Selectors are
// `data-testid`s, as everywhere in the suite.
import { expect } from '@playwright/test';

/// The sections a reader opens, in page order (the overview and "Needs attention" are always open).
export const COLLAPSIBLE = ['charts', 'learners', 'courses', 'videos', 'quality', 'data'];

export class DashboardSections {
  constructor(page) {
    this.page = page;
    this.nav = page.getByTestId('section-nav');
    this.toggleAll = page.getByTestId('toggle-sections');
    this.presentButton = page.getByTestId('present-start');
    this.presentBar = page.getByTestId('present-bar');
    this.presentPosition = page.getByTestId('present-position');
    this.minVideos = page.getByTestId('min-videos');
    this.minVideosNote = page.getByTestId('min-videos-note');
  }

  section(id) {
    return this.page.getByTestId(`section-${id}`);
  }

  summary(id) {
    return this.page.getByTestId(`section-${id}-summary`);
  }

  /// Ids of the open sections, in page order.
  async openIds() {
    return this.page.locator('details.section[open]').evaluateAll((sections) => sections.map((section) => section.id));
  }

  /// The page's full height and width in CSS pixels.
  async pageSize() {
    return this.page.evaluate(() => ({
      height: document.documentElement.scrollHeight,
      width: document.documentElement.scrollWidth,
    }));
  }

  /// Types a minimum number of videos for the learner rankings, as a user does.
  async setMinVideos(count) {
    await this.minVideos.fill(String(count));
    await this.minVideos.press('Enter');
    await this.minVideos.dispatchEvent('change');
  }

  /// The ids of the presented section(s) that are on screen.
  async presentedIds() {
    return this.page.locator('.dashboard.presenting > .presented').evaluateAll((slides) =>
      slides.filter((slide) => slide.getClientRects().length > 0).map((slide) => slide.id || slide.firstElementChild?.id),
    );
  }

  /// Presses Tab until focus leaves the dashboard (or `limit` presses), opening every closed
  /// section whose summary it reaches with Enter. Resolves to the focused elements' descriptions
  /// in order; every element that had focus is marked `data-walked`.
  async keyboardWalk(limit) {
    await this.page.evaluate(() => {
      document.addEventListener('focusin', (event) => event.target.setAttribute('data-walked', ''), true);
    });
    const seen = [];
    for (let press = 0; press < limit; press += 1) {
      await this.page.keyboard.press('Tab');
      const focused = await this.page.evaluate(() => {
        const element = document.activeElement;
        if (!element || element === document.body) return { where: 'body' };
        const dashboard = document.querySelector('[data-testid=dashboard]');
        const summary = element.tagName === 'SUMMARY' ? element.parentElement : null;
        return {
          where: dashboard?.contains(element) ? 'dashboard' : element.closest('footer') ? 'footer' : 'outside',
          testid: element.dataset.testid ?? element.closest('[data-testid]')?.dataset.testid ?? element.tagName,
          closedSection: summary && !summary.open ? summary.id : null,
        };
      });
      seen.push(focused);
      if (focused.closedSection) {
        await this.page.keyboard.press('Enter');
        await expect(this.section(focused.closedSection)).toHaveAttribute('open', '');
      }
      if (focused.where === 'footer' || (focused.where !== 'dashboard' && seen.some((item) => item.where === 'dashboard'))) break;
    }
    return seen;
  }

  /// Descriptions of the dashboard's keyboard-reachable elements that never had focus.
  async unwalked() {
    return this.page.evaluate(() => {
      const selector = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
      const dashboard = document.querySelector('[data-testid=dashboard]');
      return Array.from(dashboard.querySelectorAll(selector))
        .filter((element) => element.getClientRects().length > 0 && !element.closest('details:not([open]) > :not(summary)'))
        .filter((element) => !(element.tagName === 'TR' && element.getAttribute('tabindex') !== '0'))
        .filter((element) => !element.hasAttribute('data-walked'))
        .map((element) => element.dataset.testid ?? `${element.tagName.toLowerCase()} "${element.textContent.trim().slice(0, 40)}" in ${element.closest('[data-testid]')?.dataset.testid}`);
    });
  }
}
