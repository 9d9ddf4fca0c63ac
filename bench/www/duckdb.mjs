// DuckDB-WASM as a contender: the same Parquet bytes registered as a file buffer, then SQL that
// computes the report of docs/report-schema.md. The SQL is adapted from the independent
// reference in tests/golden/reference.py, specialised to the fixture generator's schema (event
// id and last_updated_at present, completion in percent by its column name).
//
// DuckDB runs in its own worker (the library's eh bundle, files served from node_modules); the
// page only receives Arrow results, the small lists the dashboard shows.
import * as duckdb from '/npm/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs';

const DIST = '/npm/@duckdb/duckdb-wasm/dist';
const FILE = 'bench.parquet';
// What Rust's `str::trim` removes that matters in practice (as in reference.py).
const WHITESPACE = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)";
const EXPECTED_COLUMNS = [
  'event_id',
  'student_id',
  'course_id',
  'course_code',
  'video_id',
  'video_title',
  'role',
  'completion_rate_percent',
  'watched_at',
  'last_updated_at',
];

// Stage 1: every row with its fields, completion status (0 valid, 1 NULL, 2 NaN, 3 out of
// range) and copy number: copy 1 is the kept one (latest last_updated_at, NULL loses, ties keep
// the first row); a NULL event id is never a duplicate.
const RECORDS = `
CREATE OR REPLACE TEMP TABLE records AS
SELECT event_id,
       student_id,
       course_id AS course_key,
       course_code,
       video_id AS video_key,
       video_title,
       role,
       coalesce(lower(trim(role, ${WHITESPACE})) = 'student', false) AS is_student,
       CASE WHEN completion_rate_percent IS NULL THEN 1
            WHEN isnan(completion_rate_percent) THEN 2
            WHEN completion_rate_percent < 0 OR completion_rate_percent > 100 THEN 3
            ELSE 0 END AS completion_status,
       completion_rate_percent AS completion,
       epoch_us(watched_at) AS watched_us,
       epoch_us(last_updated_at) AS updated_us,
       CASE WHEN event_id IS NULL THEN 1
            ELSE row_number() OVER (PARTITION BY event_id
                                    ORDER BY last_updated_at DESC NULLS LAST, file_row_number)
       END AS copy
FROM read_parquet('${FILE}', file_row_number = true)`;

const STUDENTS = `
CREATE OR REPLACE TEMP TABLE students AS
SELECT student_id, course_key, video_key, watched_us,
       CASE WHEN completion_status = 0 THEN completion END AS valid
FROM records
WHERE copy = 1 AND is_student`;

const ROWS = `
SELECT (SELECT count(*) FROM records) AS total,
       (SELECT count(*) FROM records WHERE copy > 1) AS duplicates_removed,
       (SELECT count(*) FROM students) AS student,
       (SELECT count(valid) FROM students) AS valid_completion`;

const SUMMARY = `
SELECT count(DISTINCT student_id) AS learners,
       count(DISTINCT course_key) AS courses,
       count(DISTINCT video_key) AS videos,
       round(avg(valid), 9) AS mean_completion
FROM students`;

// Every learner, ranked, as the app keeps them for its paged table.
const LEARNERS = `
CREATE OR REPLACE TEMP TABLE learners AS
WITH stats AS (
    SELECT student_id,
           count(DISTINCT video_key) AS videos_watched,
           count(*) AS views,
           round(avg(valid), 9) AS avg_completion
    FROM students
    WHERE student_id IS NOT NULL
    GROUP BY student_id
)
SELECT CASE WHEN avg_completion IS NOT NULL
            THEN rank() OVER (PARTITION BY avg_completion IS NULL ORDER BY avg_completion DESC)
       END AS rank,
       *
FROM stats
ORDER BY avg_completion IS NULL, avg_completion DESC, student_id`;

const MOST_WATCHED = `
SELECT student_id FROM learners
ORDER BY videos_watched DESC, avg_completion DESC NULLS LAST, student_id
LIMIT 1`;

// RANK() <= N: everyone tied at the cut is listed, as the report defines the lists.
const LEARNERS_TOP = (top) => `
SELECT rank, student_id, avg_completion FROM learners
WHERE avg_completion IS NOT NULL AND rank <= ${top}
ORDER BY avg_completion DESC, student_id`;

// (A subquery: the learners table has a rank column of its own, the descending one.)
const LEARNERS_BOTTOM = (top) => `
SELECT * FROM (
  SELECT rank() OVER (ORDER BY avg_completion) AS rank, student_id, avg_completion FROM learners
  WHERE avg_completion IS NOT NULL
) AS ascending
WHERE rank <= ${top}
ORDER BY avg_completion, student_id`;

// Titles and codes come from every row (any role, duplicates included).
const VIDEOS = `
CREATE OR REPLACE TEMP TABLE videos AS
WITH titles AS (
    SELECT video_key, min(video_title) AS video_title FROM records
    WHERE video_key IS NOT NULL GROUP BY video_key
),
stats AS (
    SELECT video_key, count(*) AS views, count(DISTINCT student_id) AS learners,
           round(avg(valid), 9) AS avg_completion, min(course_key) AS course_id
    FROM students WHERE video_key IS NOT NULL GROUP BY video_key
)
SELECT stats.video_key, titles.video_title, course_id, views, learners, avg_completion
FROM stats LEFT JOIN titles USING (video_key)
ORDER BY avg_completion DESC NULLS LAST, stats.video_key`;

const COURSES = `
WITH codes AS (
    SELECT course_key, min(course_code) AS course_code FROM records
    WHERE course_key IS NOT NULL GROUP BY course_key
)
SELECT course_key, codes.course_code, count(*) AS views,
       count(DISTINCT student_id) AS learners, count(DISTINCT video_key) AS videos,
       round(avg(valid), 9) AS avg_completion
FROM students LEFT JOIN codes USING (course_key)
WHERE course_key IS NOT NULL
GROUP BY course_key, codes.course_code
ORDER BY course_key`;

const COURSE_VIDEOS = (perCourse) => `
WITH stats AS (
    SELECT course_key, video_key, count(*) AS views, round(avg(valid), 9) AS avg_completion
    FROM students
    WHERE course_key IS NOT NULL AND video_key IS NOT NULL
    GROUP BY course_key, video_key
    HAVING avg(valid) IS NOT NULL
),
positioned AS (
    SELECT *,
           row_number() OVER (PARTITION BY course_key ORDER BY avg_completion DESC, video_key)
               AS position_top,
           row_number() OVER (PARTITION BY course_key ORDER BY avg_completion, video_key)
               AS position_bottom
    FROM stats
)
SELECT course_key, video_key, position_top, position_bottom, views, avg_completion
FROM positioned
WHERE position_top <= ${perCourse} OR position_bottom <= ${perCourse}`;

const HISTOGRAM = `
SELECT least(CAST(floor(valid / 10) AS INTEGER), 9) AS bin, count(*) AS count
FROM students WHERE valid IS NOT NULL GROUP BY bin ORDER BY bin`;

const DAILY = `
SELECT watched_us // 86400000000 AS day, count(*) AS views, round(avg(valid), 9) AS avg_completion
FROM students WHERE watched_us IS NOT NULL GROUP BY day ORDER BY day`;

// Quality rules count all rows: before de-duplication and the student filter.
const QUALITY = (nowMicros) => `
SELECT count(*) FILTER (WHERE student_id IS NULL) AS student_id_not_null,
       count(*) FILTER (WHERE video_key IS NULL) AS video_not_null,
       count(*) FILTER (WHERE course_key IS NULL) AS course_not_null,
       count(*) FILTER (WHERE completion_status = 1) AS completion_not_null,
       0 AS completion_numeric,
       count(*) FILTER (WHERE completion_status = 2) AS completion_not_nan,
       count(*) FILTER (WHERE completion_status = 3) AS completion_in_range,
       count(*) FILTER (WHERE event_id IS NULL) AS event_id_not_null,
       count(*) FILTER (WHERE copy > 1) AS unique_key,
       count(*) FILTER (WHERE NOT is_student) AS role_accepted_values,
       count(*) FILTER (WHERE is_student AND role <> 'Student') AS role_clean,
       count(*) FILTER (WHERE watched_us > ${nowMicros} OR updated_us > ${nowMicros})
           AS timestamp_not_future
FROM records`;

const ROLE_DETAILS = (condition) => `
SELECT role AS value, count(*) AS count FROM records WHERE ${condition}
GROUP BY role ORDER BY count DESC, value NULLS LAST`;

let db = null;
let worker = null;
let current = null;

/** Starts a fresh DuckDB (its worker and wasm); returns the milliseconds it took. */
export async function start() {
  await stop();
  const started = performance.now();
  worker = new Worker(`${DIST}/duckdb-browser-eh.worker.js`);
  db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(`${DIST}/duckdb-eh.wasm`);
  const connection = await db.connect();
  // Nothing may be fetched from the network: no extension autoloading.
  await connection.query('SET autoinstall_known_extensions = false');
  await connection.query('SET autoload_known_extensions = false');
  await connection.close();
  return performance.now() - started;
}

export async function stop() {
  current = null;
  if (db) await db.terminate();
  db = null;
  worker = null;
}

export function version() {
  return db ? db.getVersion() : Promise.resolve(null);
}

/**
 * One run: registers `bytes` (the caller's copy; DuckDB takes ownership), runs every query and
 * returns the answer in the benchmark's common shape. The caller times it.
 */
export async function run(bytes, { nowMicros, top, perCourse }) {
  const connection = await db.connect();
  current = connection;
  await db.registerFileBuffer(FILE, new Uint8Array(bytes));
  const columns = (await rows(connection, `DESCRIBE SELECT * FROM read_parquet('${FILE}')`)).map(
    (row) => row.column_name,
  );
  const missing = EXPECTED_COLUMNS.filter((name) => !columns.includes(name));
  if (missing.length > 0) throw new Error(`the SQL expects the fixture schema; missing ${missing}`);

  await connection.query(RECORDS);
  await connection.query(STUDENTS);
  await connection.query(LEARNERS);
  await connection.query(VIDEOS);
  const [counts] = await rows(connection, ROWS);
  const [summary] = await rows(connection, SUMMARY);
  const [mostWatched] = await rows(connection, MOST_WATCHED);
  const learnersTop = await rows(connection, LEARNERS_TOP(top));
  const learnersBottom = await rows(connection, LEARNERS_BOTTOM(top));
  const courses = await rows(connection, COURSES);
  const courseVideos = await rows(connection, COURSE_VIDEOS(perCourse));
  const histogram = await rows(connection, HISTOGRAM);
  const daily = await rows(connection, DAILY);
  const [quality] = await rows(connection, QUALITY(nowMicros));
  const notAccepted = await rows(connection, ROLE_DETAILS('NOT is_student'));
  const notClean = await rows(connection, ROLE_DETAILS("is_student AND role <> 'Student'"));
  const [sizes] = await rows(
    connection,
    'SELECT (SELECT count(*) FROM learners) AS learners, (SELECT count(*) FROM videos) AS videos',
  );

  const perCourseLists = {};
  for (const course of courses) perCourseLists[String(course.course_key)] = { top: [], bottom: [] };
  for (const entry of courseVideos) {
    const lists = perCourseLists[String(entry.course_key)];
    if (entry.position_top <= perCourse) lists.top[entry.position_top - 1] = String(entry.video_key);
    if (entry.position_bottom <= perCourse) {
      lists.bottom[entry.position_bottom - 1] = String(entry.video_key);
    }
  }
  return {
    rows: counts,
    summary,
    most_watched: mostWatched ? String(mostWatched.student_id) : null,
    top: learnersTop.map((row) => ({ id: String(row.student_id), avg: row.avg_completion })),
    bottom: learnersBottom.map((row) => ({ id: String(row.student_id), avg: row.avg_completion })),
    courses: perCourseLists,
    quality,
    role_details: { role_accepted_values: notAccepted, role_clean: notClean },
    sizes: { ...sizes, days: daily.length, histogram: histogram.map((bin) => bin.count) },
  };
}

/** Cleans up after a run, outside the timing: the temp tables go with their connection. */
export async function cleanup() {
  if (current) await current.close();
  current = null;
  await db.dropFile(FILE);
}

async function rows(connection, sql) {
  const table = await connection.query(sql);
  return table.toArray().map((row) => {
    const plain = {};
    for (const [key, value] of Object.entries(row.toJSON())) {
      plain[key] = typeof value === 'bigint' ? Number(value) : value;
    }
    return plain;
  });
}
