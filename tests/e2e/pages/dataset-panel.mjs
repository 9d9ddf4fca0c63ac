// Page object for the dataset bar (restored banner, pruning counts, stored size, Forget, Add)
// and the folder pickers. Every selector is a data-testid.
import { expect } from '@playwright/test';

export class DatasetPanel {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('dataset-panel');
    this.restoredBanner = page.getByTestId('restored-banner');
    this.addedSummary = page.getByTestId('added-summary');
    this.storedSize = page.getByTestId('stored-size');
    this.storedNote = page.getByTestId('stored-note');
    this.forgetButton = page.getByTestId('forget-data');
    this.addFilesInput = page.getByTestId('add-files-input');
    this.addFolderInput = page.getByTestId('add-folder-input');
    // The landing page and the header each have a folder picker; the header's is always there.
    this.folderInput = page.getByTestId('folder-input').first();
    this.dateFrom = page.getByTestId('date-from');
  }

  /// Opens a folder (a directory path) through the real <input webkitdirectory>.
  async openFolder(path) {
    await this.folderInput.setInputFiles(path);
  }

  async addFolder(path) {
    await this.addFolderInput.setInputFiles(path);
  }

  /// Clicks "Forget this data" and waits until the page says nothing is stored.
  async forget() {
    await this.openData();
    await this.forgetButton.first().click();
    await this.storedBytes((bytes) => bytes === 0);
  }

  /// Opens the collapsed Data section, where the dataset details are.
  async openData() {
    const section = this.page.getByTestId('section-data');
    if ((await section.getAttribute('open')) === null) await this.page.getByTestId('section-data-summary').click();
    await expect(section).toHaveAttribute('open', '');
  }

  /// The pruning counts as numbers.
  async pruning() {
    await this.openData();
    const read = async (name) => Number((await this.page.getByTestId(`pruning-${name}`).innerText()).replace(/,/g, ''));
    return {
      files: await read('files'),
      files_skipped: await read('files-skipped'),
      row_groups: await read('row-groups'),
      row_groups_skipped: await read('row-groups-skipped'),
      bytes: await read('bytes'),
      bytes_skipped: await read('bytes-skipped'),
      files_already_loaded: await read('already-loaded'),
    };
  }

  /// Bytes stored in the browser, as the page says (waits until the figure satisfies `check`).
  async storedBytes(check = () => true) {
    let bytes;
    await expect(async () => {
      bytes = Number(await this.storedSize.first().getAttribute('data-bytes'));
      expect(check(bytes), `stored ${bytes} bytes`).toBe(true);
    }).toPass({ timeout: 15_000 });
    return bytes;
  }
}
