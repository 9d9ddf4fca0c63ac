// Lighthouse (npm lighthouse@12.2.3, desktop preset) on the built app with the sample loaded,
// for `cargo xtask test` (step lighthouse).
//
//   node xtask/lighthouse.mjs DIST_DIR REPORT.json
//
// Serves dist/ as the e2e suite does (tests/e2e/support/server.mjs: under /app/, with the CSP
// header), runs Debian's Chromium headless, prints every category's score and fails when
// accessibility or best practices is under 95 or performance under 90.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import { startServer } from '../tests/e2e/support/server.mjs';

const [dist = 'dist', output = 'target/xtask/lighthouse.json'] = process.argv.slice(2);
const MINIMUM = { performance: 90, accessibility: 95, 'best-practices': 95 };

mkdirSync(dirname(resolve(output)), { recursive: true });
// gzip-encoded, as any static host sends a build (the download budget is counted in gzip too);
// uncompressed, the 8.8 MB worker wasm alone was most of the page's weight.
const server = await startServer(resolve(dist), undefined, { compress: true });
let failed = [];
try {
  const url = `${server.url}?src=sample`;
  // Asynchronously: the server answering Lighthouse's Chromium runs in this process.
  const child = spawn(
    process.execPath,
    [
      'node_modules/lighthouse/cli/index.js',
      url,
      '--preset=desktop',
      '--only-categories=performance,accessibility,best-practices',
      '--output=json',
      `--output-path=${output}`,
      '--chrome-flags=--no-sandbox --headless=new --disable-gpu',
      '--quiet',
    ],
    { stdio: 'inherit', env: { ...process.env, CHROME_PATH: process.env.CHROMIUM ?? '/usr/bin/chromium' } },
  );
  const status = await new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
  if (status !== 0) throw new Error(`lighthouse exited with ${status}`);
  const report = JSON.parse(readFileSync(output, 'utf8'));
  console.log(`lighthouse ${report.lighthouseVersion} on ${url} (desktop):`);
  for (const [id, category] of Object.entries(report.categories)) {
    const score = Math.round(category.score * 100);
    const minimum = MINIMUM[id];
    const verdict = minimum === undefined ? '' : score >= minimum ? `ok (>= ${minimum})` : `FAILED (< ${minimum})`;
    console.log(`  ${category.title.padEnd(16)} ${String(score).padStart(3)}  ${verdict}`);
    if (minimum !== undefined && score < minimum) {
      failed.push(id);
      // Name what cost the points, so the failure says what to fix.
      for (const ref of category.auditRefs.filter((ref) => ref.weight > 0)) {
        const audit = report.audits[ref.id];
        if (audit.score !== null && audit.score < 1) console.log(`      ${audit.id}: ${audit.title} (${audit.displayValue ?? Math.round(audit.score * 100)})`);
      }
    }
  }
} finally {
  await server.close();
}
if (failed.length) {
  console.error(`lighthouse: under the minimum: ${failed.join(', ')} (full report: ${output})`);
  process.exit(1);
}
