// Journey: the brief's own columns (student_id, course_id, course_code, video_title, role,
// completion_rate_percent; no video id, no event id). A video is its title within its course, so
// "Intro" in two courses is two videos; the top and bottom lists follow SQL `RANK() <= 10`, so
// learners tied at the cut are all listed and the list says why it is longer than 10. Every
// figure is compared with `coursepulse report --format json` on the same file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { groupThousands, tools } from './support/reference.mjs';
import { Session } from './support/session.mjs';

test.describe.configure({ mode: 'serial' });

/// Five learners tie at 90 % across the top-10 cut (rank 8) and across the bottom-10 cut (rank 7
/// from the bottom); "Intro" is watched in CSC101, in MTH201 and on a row without a course.
const AVERAGES = [99, 98, 97, 96, 95, 94, 93, 90, 90, 90, 90, 90, 20, 20, 20, 10, 15, 15];
const CSV = [
  'student_id,course_id,course_code,video_title,role,completion_rate_percent',
  ...AVERAGES.map((completion, learner) => {
    const course = learner % 2 === 0 ? '1,CSC101' : '2,MTH201';
    return `S${String(learner).padStart(2, '0')},${course},Intro,Student,${completion}`;
  }),
  'S00,2,MTH201,Intro,Student,99',
  'S19,,,Intro,Student,50',
  'S20,1,CSC101,Outro,Instructor,5',
].join('\n') + '\n';
const FILE = { name: 'brief-columns.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) };

let session;
let reference;
test.beforeAll(async ({ browser }) => {
  const folder = mkdtempSync(join(tmpdir(), 'coursepulse-brief-'));
  const path = join(folder, FILE.name);
  writeFileSync(path, CSV);
  const result = spawnSync(tools().cli, ['report', path, '--format', 'json'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`coursepulse report failed: ${result.stderr}`);
  reference = JSON.parse(result.stdout);
  session = await Session.open(browser, { viewport: { width: 1366, height: 860 } });
});
test.afterEach(async ({}, testInfo) => {
  await session.screenshotOnFailure(testInfo);
});
test.afterAll(async () => {
  await session?.close();
});

test("the brief's columns: a video is its title within its course, and ties at the cut are all listed", async () => {
  const { app, page } = session;
  await app.goto();
  await app.pickFiles(FILE);
  await app.waitForData(FILE.name);

  // Three "Intro" videos (two courses and no course): the CLI counts them apart too.
  expect(reference.summary.videos).toBe(3);
  expect((await app.cardValues()).videos).toBe(groupThousands(reference.summary.videos));

  await app.openSection('learners');
  const listed = (rows) => rows.map((row) => [row.rank, row.id]);
  const expected = (rows) => rows.map((row) => [String(row.rank), row.student_id]);
  // Both lists are longer than 10 because of the tie at 90 %.
  expect(reference.learners_top.length).toBeGreaterThan(10);
  expect(reference.learners_bottom.length).toBeGreaterThan(10);
  expect(listed(await app.learners.topRows())).toEqual(expected(reference.learners_top));
  expect(listed(await app.learners.bottomRows())).toEqual(expected(reference.learners_bottom));
  const note = (rows) => {
    const cut = rows.at(-1).rank;
    const tied = rows.filter((row) => row.rank === cut).length;
    return `${rows.length} listed, not 10: ${tied} learners tie at rank ${cut}, and a tie at the cut keeps them all.`;
  };
  const notes = page.getByTestId('panel-learners').getByTestId('tie-note');
  await expect(notes).toHaveText([note(reference.learners_top), note(reference.learners_bottom)]);
  await session.screenshot('brief-columns-ties');

  // The most-watched learner watched "Intro" in two courses: two videos.
  await expect(app.learners.mostWatchedId).toHaveText(reference.most_watched_learner.student_id);
  expect(reference.most_watched_learner.videos_watched).toBe(2);

  // An N that takes the whole tie in needs no note.
  const wide = Math.max(reference.learners_top.length, reference.learners_bottom.length);
  await app.learners.topN.fill(String(wide));
  await app.learners.topN.dispatchEvent('change');
  await expect(notes).toHaveCount(0);
  session.expectNoErrors();
});
