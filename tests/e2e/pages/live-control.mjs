// Page object for live mode's control beside the filters (`?src=…/manifest.json&refresh=N`).
import { expect } from '@playwright/test';

export class LiveControl {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('live-control');
    this.interval = page.getByTestId('refresh-interval');
    this.refreshNowButton = page.getByTestId('refresh-now');
    this.status = page.getByTestId('live-status');
    this.notice = page.getByTestId('live-notice');
  }

  /// Chooses an interval by its label ("Off", "Every 1 min", ...).
  async choose(label) {
    await this.interval.selectOption({ label });
  }

  /// Refreshes finished since the page opened.
  async refreshes() {
    return Number(await this.status.getAttribute('data-refreshes'));
  }

  /// Clicks "Refresh now" once it can be clicked (not while a load or refresh runs).
  async refreshNow() {
    await expect(this.refreshNowButton).toBeEnabled();
    await this.refreshNowButton.click();
  }

  /// Waits until more than `before` refreshes have finished, the last one adding `newFiles`.
  async waitForRefresh(before, newFiles, timeout = 30_000) {
    await expect(this.status).not.toHaveAttribute('data-refreshes', String(before), { timeout });
    const files = `${newFiles} new file${newFiles === 1 ? '' : 's'}`;
    await expect(this.status).toHaveText(new RegExp(`^Last refreshed .+ · ${files}$`), { timeout });
  }
}
