// Journey: the sample dashboard for keyboard and screen-reader users, in light and dark: axe-core
// finds no serious or critical violation (landing, dashboard, embed, both dialogs); the dialogs
// take focus, keep it, close on Escape and give it back; a skip link reaches <main>; each table
// is one tab stop; the live region announces the result; "Show rows" moves focus to the rows;
// a phone and the 600x400 embed do not scroll sideways. Screenshots in both themes and sizes.
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';

import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

/// Runs axe-core on the page (or on `include`) and fails on serious or critical violations,
/// naming each rule and the first nodes it hit.
async function expectNoSeriousViolations(page, label, include) {
  let builder = new AxeBuilder({ page });
  if (include) builder = builder.include(include);
  const { violations } = await builder.analyze();
  const serious = violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}, ${violation.nodes.length} nodes): ${violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(' | ')}`);
  expect(serious, `axe-core on ${label}`).toEqual([]);
}

/// Whether the focused element is inside the element with `data-testid=testid`.
async function focusInside(page, testid) {
  return page.evaluate((id) => Boolean(document.activeElement?.closest(`[data-testid="${id}"]`)), testid);
}

for (const colorScheme of ['light', 'dark']) {
  test.describe(`${colorScheme} theme`, () => {
    let session;
    const warnings = [];
    test.beforeAll(async ({ browser }) => {
      session = await Session.open(browser, { colorScheme, viewport: { width: 1366, height: 860 } });
      session.page.on('console', (message) => {
        if (message.type() === 'warning') warnings.push(message.text());
      });
    });
    test.afterEach(async ({}, testInfo) => {
      await session.screenshotOnFailure(testInfo);
    });
    test.afterAll(async () => {
      await session?.close();
    });

    test(`landing and dashboard have no serious axe violation (${colorScheme})`, async () => {
      const { app } = session;
      await app.goto();
      await expect(app.landing).toBeVisible();
      await expectNoSeriousViolations(app.page, `the landing page (${colorScheme})`);
      await app.trySample();
      await app.openAllSections();
      await expectNoSeriousViolations(app.page, `the dashboard (${colorScheme})`);
      await session.screenshot(`a11y-dashboard-1366-${colorScheme}`);
      session.expectNoErrors();
      // wasm-bindgen's "using deprecated parameters for the initialization function" among them.
      expect(warnings, 'console warnings').toEqual([]);
    });

    test(`the privacy dialog takes focus, traps it, closes on Escape and returns it (${colorScheme})`, async () => {
      const { app, page } = session;
      await app.privacyButton.focus();
      await page.keyboard.press('Enter');
      await expect(app.privacyDialog).toBeVisible();
      expect(await focusInside(page, 'privacy-dialog'), 'focus moved into the dialog').toBe(true);
      await expectNoSeriousViolations(page, `the privacy dialog (${colorScheme})`, '[data-testid=privacy-dialog]');
      // More presses than the dialog has controls: focus must never reach the page behind it.
      for (let press = 0; press < 6; press += 1) {
        await page.keyboard.press('Tab');
        const inside = await focusInside(page, 'privacy-dialog');
        const onBody = await page.evaluate(() => document.activeElement === document.body);
        // Chromium lets Tab pass to the browser's own UI after the last control (the body is
        // then the active element); it never reaches the page's controls behind the dialog.
        expect(inside || onBody, `Tab ${press + 1} stays in the dialog`).toBe(true);
      }
      await page.keyboard.press('Escape');
      await expect(app.privacyDialog).toBeHidden();
      await expect(app.privacyButton).toBeFocused();
    });

    test(`the mapping dialog shows the mapping in use and behaves as a modal (${colorScheme})`, async () => {
      const { app, page } = session;
      await app.openData();
      await app.adjustMappingButton.click();
      await expect(app.mappingDialog).toBeVisible();
      expect(await focusInside(page, 'mapping-dialog')).toBe(true);
      await expect(page.getByTestId('map-student').locator('option').first()).toHaveText(/^Automatic \(now: .+\)$/);
      await expect(page.getByTestId('map-scale-in-use')).toContainText('Completion is read as 0–100 (percent)');
      await expectNoSeriousViolations(page, `the mapping dialog (${colorScheme})`, '[data-testid=mapping-dialog]');
      await session.screenshot(`a11y-mapping-dialog-${colorScheme}`);
      await page.keyboard.press('Escape');
      await expect(app.mappingDialog).toBeHidden();
      await expect(app.adjustMappingButton).toBeFocused();
    });
  });
}

test.describe('keyboard and screen reader', () => {
  let session;
  test.beforeAll(async ({ browser }) => {
    session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
  });
  test.afterEach(async ({}, testInfo) => {
    await session.screenshotOnFailure(testInfo);
  });
  test.afterAll(async () => {
    await session?.close();
  });

  test('skip link, one tab stop per table, live region, focus on opened rows', async () => {
    const { app, page } = session;
    await app.goto('?src=sample');
    await app.waitForData('the sample data');
    await expect(app.announcer).toContainText('Loaded the sample data:');
    await expect(app.announcer).toContainText('learners');

    // The first Tab reaches the skip link, which moves focus to <main>.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Tab');
    await expect(app.skipLink).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(app.main).toBeFocused();
    await expect(page.locator('main')).toHaveCount(1);
    await app.openAllSections();

    // Every paged table has exactly one row in the tab order; arrows move it.
    const table = app.learners.table.root.locator('tbody');
    await expect(table.locator('tr')).not.toHaveCount(0);
    await expect(table.locator('tr[tabindex="0"]')).toHaveCount(1);
    await table.locator('tr[tabindex="0"]').focus();
    await page.keyboard.press('ArrowDown');
    await expect(table.locator('tr').nth(1)).toBeFocused();
    await expect(table.locator('tr').nth(1)).toHaveAttribute('tabindex', '0');
    await expect(table.locator('tr[tabindex="0"]')).toHaveCount(1);

    // "Show rows" moves focus to the rows it opened.
    const showRows = page.getByTestId('show-rows').first();
    await showRows.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('quality-samples-title')).toBeFocused();

    // A course title opens its videos and moves focus there.
    const courseTitle = page.getByTestId('course-card').first().locator('button.course-title');
    await courseTitle.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('course-videos-title')).toBeFocused();
    session.expectNoErrors();
  });
});

test.describe('small screens', () => {
  for (const colorScheme of ['light', 'dark']) {
    test(`a 390x844 phone does not scroll sideways (${colorScheme})`, async ({ browser }) => {
      const session = await Session.open(browser, { colorScheme, viewport: { width: 390, height: 844 } });
      try {
        const { app } = session;
        await app.goto('?src=sample');
        await app.waitForData('the sample data');
        await app.openAllSections();
        // The lineage and schema tables are the widest: open every details element first.
        await app.page.evaluate(() => document.querySelectorAll('details').forEach((details) => { details.open = true; }));
        expect(await app.horizontalOverflow(), 'pixels of sideways scroll').toBeLessThanOrEqual(0);
        await session.screenshot(`a11y-phone-390-${colorScheme}`);
        session.expectNoErrors();
      } finally {
        await session.close();
      }
    });
  }

  test('the 600x400 embed in the dark theme: no serious axe violation, no sideways scroll', async ({ browser }) => {
    const session = await Session.open(browser, { viewport: { width: 600, height: 400 } });
    try {
      const { app, page } = session;
      await page.goto(`${process.env.E2E_BASE_URL}embed.html?src=sample&theme=dark&panels=charts,learners,courses,videos,quality`);
      await expect(page.getByTestId('dashboard')).toBeVisible({ timeout: 60_000 });
      await expect(page.getByTestId('panel-quality')).toBeVisible();
      await expectNoSeriousViolations(page, 'the embed (theme=dark)');
      expect(await app.horizontalOverflow(), 'pixels of sideways scroll').toBeLessThanOrEqual(0);
      await session.screenshot('a11y-embed-600x400-dark');
      session.expectNoErrors();
    } finally {
      await session.close();
    }
  });
});
