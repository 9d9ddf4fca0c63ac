// Page object for the quality panel's dbt part: the schema file control, one row per dbt test,
// the tests that were not run, and the offending rows of a test. Every selector is a data-testid.
import { expect } from '@playwright/test';

import { DataTable } from './app-page.mjs';

export class DbtPanel {
  constructor(page) {
    this.page = page;
    this.root = page.getByTestId('dbt-section');
    this.input = page.getByTestId('dbt-input');
    this.fileName = page.getByTestId('dbt-file');
    this.removeButton = page.getByTestId('dbt-remove');
    this.table = page.getByTestId('dbt-table');
    this.rules = page.getByTestId('dbt-rule');
    this.notRun = page.getByTestId('dbt-not-run');
    this.samples = page.getByTestId('quality-samples');
    this.samplesTable = new DataTable(page, 'samples-table');
  }

  /// Chooses a schema file: { name, text }.
  async add({ name, text }) {
    await this.input.setInputFiles({ name, mimeType: 'application/x-yaml', buffer: Buffer.from(text) });
  }

  rule(name) {
    return this.rules.and(this.page.locator(`[data-test="${name}"]`));
  }

  /// Every dbt test as { name, column, status, count } with the count as a number.
  async ruleRows() {
    return this.rules.evaluateAll((rows) =>
      rows.map((row) => ({
        name: row.dataset.test,
        column: row.querySelector('[data-testid=dbt-column]').textContent.trim(),
        status: row.dataset.status,
        count: Number(row.querySelector('[data-testid=dbt-count]').textContent.replace(/,/g, '')),
      })),
    );
  }

  /// The names of the tests listed as not run.
  async notRunNames() {
    return this.notRun.evaluateAll((rows) => rows.map((row) => row.dataset.test));
  }

  /// Opens the offending rows of test `name`.
  async showRows(name) {
    await this.rule(name).getByTestId('dbt-show-rows').click();
    await expect(this.samples).toBeVisible();
    await expect(this.samples).toContainText(name);
  }
}
