// The CLI's report for the bundled sample, and the headline cards it means, for the offline
// and single-file journeys (which show the sample without a server or without a network).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { groupThousands } from './reference.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/// `coursepulse report dist/sample/watch-logs.parquet --format json` (exit 1: a gate failed).
export function sampleReference() {
  const target = resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target');
  const cli = process.env.E2E_CLI ?? join(target, 'debug', 'coursepulse');
  const sample = join(resolve(ROOT, process.env.E2E_DIST ?? 'dist'), 'sample', 'watch-logs.parquet');
  const result = spawnSync(cli, ['report', sample, '--format', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || ![0, 1].includes(result.status)) {
    throw new Error(`${cli} report ${sample} failed: ${result.error?.message ?? result.stderr}`);
  }
  return JSON.parse(result.stdout);
}

/// The cards the page must show for `report` (counts as the page groups them).
export function expectedCards(report) {
  return {
    rows: groupThousands(report.rows.total),
    students: groupThousands(report.rows.student),
    learners: groupThousands(report.summary.learners),
    courses: groupThousands(report.summary.courses),
    videos: groupThousands(report.summary.videos),
  };
}

/// The count cards of `cards` (AppPage.cardValues()), without mean and quality.
export function countCards(cards) {
  const { rows, students, learners, courses, videos } = cards;
  return { rows, students, learners, courses, videos };
}
