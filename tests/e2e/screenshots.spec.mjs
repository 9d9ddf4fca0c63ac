// Screenshots of every dashboard section with the sample, at 1366x860 and on a 390x844 phone,
// in the light and the dark theme (artifacts/section-NAME-WIDTH-THEME.png), for a person to look
// at; each section must be on the page and no wider than the window.
import { expect, test } from '@playwright/test';

import { Session } from './support/session.mjs';

const SECTIONS = ['overview', 'attention', 'charts', 'learners', 'courses', 'videos', 'quality', 'data'];

for (const [width, height] of [[1366, 860], [390, 844]]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`every section at ${width}x${height} in the ${colorScheme} theme`, async ({ browser }) => {
      const session = await Session.open(browser, { colorScheme, viewport: { width, height } });
      try {
        const { app, page } = session;
        await app.goto('?src=sample');
        await app.waitForData('the sample data');
        await app.openAllSections();
        for (const id of SECTIONS) {
          const section = page.locator(`#${id}`);
          await expect(section, `section #${id}`).toBeVisible();
          const box = await section.boundingBox();
          expect(box.x + box.width, `#${id} fits the window`).toBeLessThanOrEqual(width + 1);
          await session.screenshot(`section-${id}-${width}-${colorScheme}`, section);
        }
        session.expectNoErrors();
      } finally {
        await session.close();
      }
    });
  }
}
