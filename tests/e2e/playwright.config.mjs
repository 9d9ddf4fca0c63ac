// The end-to-end suite: the release build (dist/) in Debian's Chromium, served from 127.0.0.1
// under a sub-path. Run with `npx playwright test -c tests/e2e/playwright.config.mjs` (or
// `cargo xtask test`, step e2e). E2E_DIST overrides dist/; CHROMIUM overrides the browser.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.mjs',
  outputDir: 'artifacts/test-results',
  globalSetup: './global-setup.mjs',
  // Journeys share a page within a file; two cores: one worker.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  // The partitioned-dataset, hardening, embed, embed-security, salt, CSP, offline and single-file
  // journeys each add about a minute.
  globalTimeout: 1_200_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
