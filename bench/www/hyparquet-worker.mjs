// The "no engine" baseline: hyparquet decodes the Parquet bytes, and plain JavaScript (Maps,
// typed arrays, sorts) computes the report of docs/report-schema.md. Runs in its own module
// worker, as the other contenders run off the main thread too.
//
//   page -> { bytes: ArrayBuffer (transferred), nowMicros, top, perCourse }
//   worker -> { answer } or { error }; { ready: true } once the modules have loaded.
//
// The files come from node_modules, served by bench/run.mjs (which rewrites the bare imports
// of hyparquet-compressors to paths).
import { parquetMetadata, parquetRead } from '/npm/hyparquet/src/index.js';
import { compressors } from '/npm/hyparquet-compressors/src/index.js';

// The columns the fixture generator writes; the benchmark's files always have all of them.
const COLUMNS = [
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
const RULES = [
  'student_id_not_null',
  'video_not_null',
  'course_not_null',
  'completion_not_null',
  'completion_numeric',
  'completion_not_nan',
  'completion_in_range',
  'event_id_not_null',
  'unique_key',
  'role_accepted_values',
  'role_clean',
  'timestamp_not_future',
];
const DAY_MICROS = 86_400_000_000;

// Timestamps as microseconds since the epoch (a Number is exact until 2255), not Date objects.
const PARSERS = {
  timestampFromMicroseconds: (micros) => Number(micros),
  timestampFromMilliseconds: (millis) => Number(millis) * 1000,
  timestampFromNanoseconds: (nanos) => Number(nanos / 1000n),
};

self.onmessage = async (event) => {
  try {
    const { bytes, nowMicros, top, perCourse } = event.data;
    self.postMessage({ answer: await analyse(bytes, nowMicros, top, perCourse) });
  } catch (error) {
    self.postMessage({ error: String(error?.stack ?? error) });
  }
};
self.postMessage({ ready: true });

const round9 = (value) => Math.round(value * 1e9) / 1e9;
const average = (sum, count) => (count > 0 ? round9(sum / count) : null);
const toNumber = (value) => (value === null || value === undefined ? null : Number(value));

/** Interns keys to dense indexes. */
class Interner {
  constructor() {
    this.index = new Map();
    this.keys = [];
  }
  id(key) {
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.keys.length;
      this.index.set(key, id);
      this.keys.push(key);
    }
    return id;
  }
}

/** Reads one row group: column name -> values (one array per column). */
async function readGroup(bytes, metadata, rowStart, rowEnd) {
  const chunks = new Map(COLUMNS.map((name) => [name, []]));
  await parquetRead({
    file: bytes,
    metadata,
    columns: COLUMNS,
    rowStart,
    rowEnd,
    compressors,
    parsers: PARSERS,
    onChunk: (chunk) => chunks.get(chunk.columnName).push(chunk),
  });
  const columns = {};
  for (const [name, parts] of chunks) {
    parts.sort((a, b) => a.rowStart - b.rowStart);
    if (parts.length === 1 && parts[0].rowStart === rowStart && parts[0].rowEnd === rowEnd) {
      columns[name] = parts[0].columnData;
      continue;
    }
    const values = new Array(rowEnd - rowStart);
    for (const part of parts) {
      for (let i = 0; i < part.columnData.length; i++) {
        const row = part.rowStart + i;
        if (row >= rowStart && row < rowEnd) values[row - rowStart] = part.columnData[i];
      }
    }
    columns[name] = values;
  }
  return columns;
}

/// The leading rows of a list sorted by `avg` whose SQL RANK() is at most `top`: everyone tied
/// at the cut is kept, as the report defines the lists.
function withinRank(sorted, top) {
  let rank = 0;
  let kept = 0;
  for (const [position, row] of sorted.entries()) {
    if (position === 0 || row.avg !== sorted[position - 1].avg) rank = position + 1;
    if (rank > top) break;
    kept = position + 1;
  }
  return sorted.slice(0, kept);
}

async function analyse(bytes, nowMicros, top, perCourse) {
  const metadata = parquetMetadata(bytes);
  const names = new Set(metadata.schema.map((element) => element.name));
  const missing = COLUMNS.filter((name) => !names.has(name));
  if (missing.length > 0) throw new Error(`the baseline expects the fixture schema; missing ${missing}`);
  const nRows = Number(metadata.num_rows);

  const quality = Object.fromEntries(RULES.map((rule) => [rule, 0]));
  const roleNotAccepted = new Map();
  const roleNotClean = new Map();
  const students = new Interner();
  const videos = new Interner();
  const courses = new Interner();
  const videoTitle = [];
  const courseCode = [];

  // One slot per kept row: a row with an event id seen before replaces the kept copy's slot
  // when it was updated later (NULL loses, ties keep the first seen).
  const slotOfEvent = new Map();
  const slotStudent = new Int32Array(nRows);
  const slotVideo = new Int32Array(nRows);
  const slotCourse = new Int32Array(nRows);
  const slotValid = new Float64Array(nRows);
  const slotIsStudent = new Uint8Array(nRows);
  const slotDay = new Float64Array(nRows);
  const slotUpdated = new Float64Array(nRows);
  let nSlots = 0;
  let total = 0;

  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    const columns = await readGroup(bytes, metadata, groupStart, groupEnd);
    const {
      event_id: eventIds,
      student_id: studentIds,
      course_id: courseIds,
      course_code: courseCodes,
      video_id: videoIds,
      video_title: videoTitles,
      role: roles,
      completion_rate_percent: completions,
      watched_at: watchedAts,
      last_updated_at: updatedAts,
    } = columns;
    for (let i = 0; i < groupEnd - groupStart; i++) {
      total++;
      const student = toNumber(studentIds[i]);
      const course = toNumber(courseIds[i]);
      const video = videoIds[i] ?? null;
      const completion = completions[i] ?? null;
      const role = roles[i] ?? null;
      const eventId = toNumber(eventIds[i]);
      const watched = watchedAts[i] ?? null;
      const updated = updatedAts[i] ?? null;

      if (student === null) quality.student_id_not_null++;
      if (video === null) quality.video_not_null++;
      if (course === null) quality.course_not_null++;
      if (eventId === null) quality.event_id_not_null++;
      // The column's name says percent, so no scale conversion.
      let valid = NaN;
      if (completion === null) quality.completion_not_null++;
      else if (Number.isNaN(completion)) quality.completion_not_nan++;
      else if (completion < 0 || completion > 100) quality.completion_in_range++;
      else valid = completion;
      const isStudent = role !== null && role.trim().toLowerCase() === 'student';
      if (!isStudent) {
        quality.role_accepted_values++;
        roleNotAccepted.set(role, (roleNotAccepted.get(role) ?? 0) + 1);
      } else if (role !== 'Student') {
        quality.role_clean++;
        roleNotClean.set(role, (roleNotClean.get(role) ?? 0) + 1);
      }
      if ((watched !== null && watched > nowMicros) || (updated !== null && updated > nowMicros)) {
        quality.timestamp_not_future++;
      }

      const videoIndex = video === null ? -1 : videos.id(video);
      const courseIndex = course === null ? -1 : courses.id(course);
      const title = videoTitles[i] ?? null;
      if (videoIndex >= 0 && title !== null) {
        const current = videoTitle[videoIndex];
        if (current === undefined || title < current) videoTitle[videoIndex] = title;
      }
      const code = courseCodes[i] ?? null;
      if (courseIndex >= 0 && code !== null) {
        const current = courseCode[courseIndex];
        if (current === undefined || code < current) courseCode[courseIndex] = code;
      }

      const updatedKey = updated === null ? -Infinity : updated;
      let slot;
      if (eventId === null) {
        slot = nSlots++;
      } else {
        const kept = slotOfEvent.get(eventId);
        if (kept === undefined) {
          slot = nSlots++;
          slotOfEvent.set(eventId, slot);
        } else {
          quality.unique_key++;
          if (!(updatedKey > slotUpdated[kept])) continue;
          slot = kept;
        }
      }
      slotStudent[slot] = student === null ? -1 : students.id(student);
      slotVideo[slot] = videoIndex;
      slotCourse[slot] = courseIndex;
      slotValid[slot] = valid;
      slotIsStudent[slot] = isStudent ? 1 : 0;
      slotDay[slot] = watched === null ? NaN : Math.floor(watched / DAY_MICROS);
      slotUpdated[slot] = updatedKey;
    }
    groupStart = groupEnd;
  }

  // Aggregates over the kept student rows.
  const nLearners = students.keys.length;
  const nVideos = videos.keys.length;
  const nCourses = courses.keys.length;
  const learnerViews = new Float64Array(nLearners);
  const learnerSum = new Float64Array(nLearners);
  const learnerValid = new Float64Array(nLearners);
  const learnerVideos = new Float64Array(nLearners);
  const videoViews = new Float64Array(nVideos);
  const videoSum = new Float64Array(nVideos);
  const videoValid = new Float64Array(nVideos);
  const videoLearners = new Float64Array(nVideos);
  const videoCourse = new Array(nVideos).fill(null);
  const courseViews = new Float64Array(nCourses);
  const courseSum = new Float64Array(nCourses);
  const courseValid = new Float64Array(nCourses);
  const courseLearners = new Float64Array(nCourses);
  const courseVideos = new Float64Array(nCourses);
  const courseVideo = new Map(); // course * nVideos + video -> [views, sum, valid]
  const histogram = new Array(10).fill(0);
  const daily = new Map(); // day -> [views, sum, valid]
  const learnerVideoPairs = [];
  const courseLearnerPairs = [];
  let studentRows = 0;
  let validRows = 0;
  let validSum = 0;
  for (let slot = 0; slot < nSlots; slot++) {
    if (!slotIsStudent[slot]) continue;
    studentRows++;
    const learner = slotStudent[slot];
    const video = slotVideo[slot];
    const course = slotCourse[slot];
    const value = slotValid[slot];
    const isValid = !Number.isNaN(value);
    if (isValid) {
      validRows++;
      validSum += value;
      histogram[Math.min(Math.floor(value / 10), 9)]++;
    }
    if (learner >= 0) {
      learnerViews[learner]++;
      if (isValid) {
        learnerSum[learner] += value;
        learnerValid[learner]++;
      }
      if (video >= 0) learnerVideoPairs.push(learner * nVideos + video);
      if (course >= 0) courseLearnerPairs.push(course * nLearners + learner);
    }
    if (video >= 0) {
      videoViews[video]++;
      if (isValid) {
        videoSum[video] += value;
        videoValid[video]++;
      }
      const courseKey = course >= 0 ? courses.keys[course] : null;
      if (courseKey !== null && (videoCourse[video] === null || courseKey < videoCourse[video])) {
        videoCourse[video] = courseKey;
      }
    }
    if (course >= 0) {
      courseViews[course]++;
      if (isValid) {
        courseSum[course] += value;
        courseValid[course]++;
      }
      if (video >= 0) {
        const key = course * nVideos + video;
        let entry = courseVideo.get(key);
        if (entry === undefined) courseVideo.set(key, (entry = [0, 0, 0]));
        entry[0]++;
        if (isValid) {
          entry[1] += value;
          entry[2]++;
        }
      }
    }
    const day = slotDay[slot];
    if (!Number.isNaN(day)) {
      let entry = daily.get(day);
      if (entry === undefined) daily.set(day, (entry = [0, 0, 0]));
      entry[0]++;
      if (isValid) {
        entry[1] += value;
        entry[2]++;
      }
    }
  }
  // Distinct counts: sort the (group, member) pair keys and count the runs.
  countDistinct(Float64Array.from(learnerVideoPairs), nVideos, learnerVideos, (key) => key % nVideos, videoLearners);
  countDistinct(Float64Array.from(courseLearnerPairs), nLearners, courseLearners);
  countDistinct(Float64Array.from(courseVideo.keys()), nVideos, courseVideos);

  // Learners: RANK() by average, both directions; the full ranking as the app builds it.
  const learnerRows = [];
  for (let learner = 0; learner < nLearners; learner++) {
    if (learnerViews[learner] === 0) continue;
    learnerRows.push({
      id: students.keys[learner],
      videos_watched: learnerVideos[learner],
      views: learnerViews[learner],
      avg: average(learnerSum[learner], learnerValid[learner]),
    });
  }
  const ranked = learnerRows.filter((row) => row.avg !== null);
  const descending = [...ranked].sort((a, b) => b.avg - a.avg || a.id - b.id);
  const ascending = [...ranked].sort((a, b) => a.avg - b.avg || a.id - b.id);
  // RANK(): tied averages share the rank of the first of them.
  const rankedDescending = descending.map((row) => ({ ...row, rank: 0 }));
  for (let i = 0; i < rankedDescending.length; i++) {
    const tied = i > 0 && rankedDescending[i - 1].avg === rankedDescending[i].avg;
    rankedDescending[i].rank = tied ? rankedDescending[i - 1].rank : i + 1;
  }
  const unranked = learnerRows.filter((row) => row.avg === null).sort((a, b) => a.id - b.id);
  const allLearners = [...rankedDescending, ...unranked];
  const mostWatched = [...learnerRows].sort(
    (a, b) =>
      b.videos_watched - a.videos_watched ||
      (b.avg ?? -Infinity) - (a.avg ?? -Infinity) ||
      a.id - b.id,
  )[0];

  // Videos and courses.
  const videoRows = [];
  for (let video = 0; video < nVideos; video++) {
    if (videoViews[video] === 0) continue;
    videoRows.push({
      id: videos.keys[video],
      title: videoTitle[video] ?? null,
      course: videoCourse[video],
      views: videoViews[video],
      learners: videoLearners[video],
      avg: average(videoSum[video], videoValid[video]),
    });
  }
  videoRows.sort((a, b) => (b.avg ?? -Infinity) - (a.avg ?? -Infinity) || compareText(a.id, b.id));
  const perCourseVideos = new Map();
  for (const [key, [views, sum, valid]] of courseVideo) {
    if (valid === 0) continue;
    const course = Math.floor(key / nVideos);
    const video = key % nVideos;
    let list = perCourseVideos.get(course);
    if (list === undefined) perCourseVideos.set(course, (list = []));
    list.push({ id: videos.keys[video], views, avg: average(sum, valid) });
  }
  const courseRows = [];
  for (let course = 0; course < nCourses; course++) {
    if (courseViews[course] === 0) continue;
    const list = perCourseVideos.get(course) ?? [];
    courseRows.push({
      id: courses.keys[course],
      code: courseCode[course] ?? null,
      views: courseViews[course],
      learners: courseLearners[course],
      videos: courseVideos[course],
      avg: average(courseSum[course], courseValid[course]),
      top: [...list].sort((a, b) => b.avg - a.avg || compareText(a.id, b.id)).slice(0, perCourse),
      bottom: [...list].sort((a, b) => a.avg - b.avg || compareText(a.id, b.id)).slice(0, perCourse),
    });
  }
  courseRows.sort((a, b) => a.id - b.id);
  const days = [...daily.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([day, [views, sum, valid]]) => ({ day, views, avg: average(sum, valid) }));

  return {
    rows: {
      total,
      duplicates_removed: quality.unique_key,
      student: studentRows,
      valid_completion: validRows,
    },
    summary: {
      learners: learnerRows.length,
      courses: courseRows.length,
      videos: videoRows.length,
      mean_completion: average(validSum, validRows),
    },
    most_watched: mostWatched ? String(mostWatched.id) : null,
    top: withinRank(rankedDescending, top).map((row) => ({ id: String(row.id), avg: row.avg })),
    bottom: withinRank(ascending, top).map((row) => ({ id: String(row.id), avg: row.avg })),
    courses: Object.fromEntries(
      courseRows.map((row) => [
        String(row.id),
        { top: row.top.map((video) => video.id), bottom: row.bottom.map((video) => video.id) },
      ]),
    ),
    quality,
    role_details: {
      role_accepted_values: sortedDetails(roleNotAccepted),
      role_clean: sortedDetails(roleNotClean),
    },
    sizes: { learners: allLearners.length, videos: videoRows.length, days: days.length, histogram },
  };
}

/**
 * Sorts pair keys (group * width + member) and counts the distinct members of each group into
 * `counts`; with `memberOf`, also counts the distinct groups of each member into `memberCounts`.
 */
function countDistinct(keys, width, counts, memberOf, memberCounts) {
  keys.sort();
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && keys[i] === keys[i - 1]) continue;
    counts[Math.floor(keys[i] / width)]++;
    if (memberOf) memberCounts[memberOf(keys[i])]++;
  }
}

function compareText(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedDetails(counts) {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || compareText(a[0] ?? '\uffff', b[0] ?? '\uffff'))
    .map(([value, count]) => ({ value, count }));
}
