// The contenders' answers in one shape, and how two of them are compared.
//
// An answer: { rows: {total, duplicates_removed, student, valid_completion?},
//              summary: {learners, courses, videos, mean_completion},
//              most_watched: id, top: [{id, avg}], bottom: [{id, avg}],
//              courses: {course: {top: [video ids], bottom: [video ids]}},
//              quality: {rule: count}, role_details: {rule: [{value, count}]} }
// Fields a contender does not report are left out and not compared (the app page reports only
// `most_watched`). Averages agree when they agree to 2 decimals.

const AVERAGE_TOLERANCE = 0.005 + 1e-9;

/** `coursepulse report --format json` in the common shape. */
export function fromCliReport(report) {
  const learner = (row) => ({ id: row.student_id, avg: row.avg_completion });
  return {
    rows: report.rows,
    summary: report.summary,
    most_watched: report.most_watched_learner?.student_id ?? null,
    top: report.learners_top.map(learner),
    bottom: report.learners_bottom.map(learner),
    courses: Object.fromEntries(
      report.courses.map((course) => [
        course.course_id,
        { top: course.top.map((video) => video.video_id), bottom: course.bottom.map((video) => video.video_id) },
      ]),
    ),
    quality: Object.fromEntries(report.quality.rules.map((rule) => [rule.name, rule.count])),
    role_details: Object.fromEntries(
      report.quality.rules
        .filter((rule) => rule.name === 'role_accepted_values' || rule.name === 'role_clean')
        .map((rule) => [rule.name, rule.details]),
    ),
  };
}

/** Differences between two answers, as sentences (empty when they agree). */
export function compareAnswers(expected, actual) {
  const differences = [];
  const sameNumber = (path, a, b) => {
    if (a !== undefined && b !== undefined && a !== b) differences.push(`${path}: ${a} vs ${b}`);
  };
  const sameAverage = (path, a, b) => {
    if (a === undefined || b === undefined) return;
    const agree = a === null || b === null ? a === b : Math.abs(a - b) <= AVERAGE_TOLERANCE;
    if (!agree) differences.push(`${path}: ${a} vs ${b}`);
  };
  for (const key of ['total', 'duplicates_removed', 'student', 'valid_completion']) {
    sameNumber(`rows.${key}`, expected.rows?.[key], actual.rows?.[key]);
  }
  for (const key of ['learners', 'courses', 'videos']) {
    sameNumber(`summary.${key}`, expected.summary?.[key], actual.summary?.[key]);
  }
  sameAverage('summary.mean_completion', expected.summary?.mean_completion, actual.summary?.mean_completion);
  if (expected.most_watched !== undefined && actual.most_watched !== undefined) {
    if (expected.most_watched !== actual.most_watched) {
      differences.push(`most watched learner: ${expected.most_watched} vs ${actual.most_watched}`);
    }
  }
  for (const list of ['top', 'bottom']) {
    const a = expected[list];
    const b = actual[list];
    if (!a || !b) continue;
    if (a.length !== b.length) differences.push(`${list} learners: ${a.length} vs ${b.length} rows`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i].id !== b[i].id) differences.push(`${list} learner ${i + 1}: id ${a[i].id} vs ${b[i].id}`);
      sameAverage(`${list} learner ${i + 1} (${a[i].id}) average`, a[i].avg, b[i].avg);
    }
  }
  if (expected.courses && actual.courses) {
    const a = Object.keys(expected.courses).sort();
    const b = Object.keys(actual.courses).sort();
    if (a.join() !== b.join()) differences.push(`courses: ${a.length} vs ${b.length} (keys differ)`);
    for (const course of a) {
      for (const list of ['top', 'bottom']) {
        const left = expected.courses[course]?.[list]?.join(', ');
        const right = actual.courses[course]?.[list]?.join(', ');
        if (right !== undefined && left !== right) {
          differences.push(`course ${course} ${list} videos: [${left}] vs [${right}]`);
        }
      }
    }
  }
  if (expected.quality && actual.quality) {
    for (const [rule, count] of Object.entries(expected.quality)) {
      sameNumber(`quality ${rule}`, count, actual.quality[rule]);
    }
  }
  if (expected.role_details && actual.role_details) {
    for (const [rule, details] of Object.entries(expected.role_details)) {
      const other = actual.role_details[rule];
      if (!other) continue;
      const text = (list) =>
        list
          .map(({ value, count }) => `${JSON.stringify(value)}=${count}`)
          .sort()
          .join(' ');
      if (text(details) !== text(other)) {
        differences.push(`quality ${rule} details: ${text(details)} vs ${text(other)}`);
      }
    }
  }
  return differences;
}
