/** Options of `analyze` and `analyzeFile`: the CLI's `coursepulse report` flags. Unknown keys are refused. */
export interface AnalyzeOptions {
  /** The input's name in messages and the report; its extension (.parquet, .csv) picks the format. */
  name?: string;
  /** Learners in the top and bottom lists (default 10). */
  top?: number;
  /** Most and least engaged videos per course (default 3). */
  perCourse?: number;
  /** Minimum views for a video to be listed in `videos` (default 1). */
  minViews?: number;
  /** Completion scale; inferred from the column name and values when absent. */
  scale?: "percent" | "fraction";
  /** Offending rows kept per quality rule (default 20). */
  samples?: number;
  /** Course keys or codes to keep; every metric and rule respects it. */
  courses?: string[];
  /** Keep rows at or after this time, e.g. "2025-03-01" or "2025-03-01T09:00:00Z". */
  from?: string;
  /** Keep rows before this time (exclusive). */
  to?: string;
  /** "Now" for the timestamp_not_future rule; null turns the rule off; absent: the current time. */
  now?: string | null;
  /** Column choices by field (student, video, video_title, course, course_code, completion, role, event_id, updated_at, watched_at): `{ student: "learner" }`; "none" leaves a field unmapped. */
  map?: Record<string, string>;
  /** Rule settings: both levels `rule=warn>T,error>T` (e.g. "unique_key=warn>0.1%,error>5%"),
   * or one level `rule=threshold[:severity]` (e.g. "unique_key=1%:warn"). */
  rules?: string[];
}

/** The engine's whole answer (docs/report-schema.md): the same JSON as `coursepulse report --format json`. */
export interface Report {
  schema_version: number;
  sources: SourceInfo[];
  notes: string[];
  rows: RowCounts;
  summary: Summary;
  /** The sizes the lists were asked for; a learner list longer than `top_n` has ties at the cut. */
  lists: Lists;
  most_watched_learner: LearnerRow | null;
  learners_top: LearnerRow[];
  learners_bottom: LearnerRow[];
  learners: LearnerRow[];
  videos: VideoRow[];
  courses: CourseRow[];
  completion_histogram: HistogramBin[];
  daily: DailyRow[];
  quality: QualityReport;
  pruning: Pruning;
  /** Each metric family's rows: in, dropped per step, used. */
  lineage: Lineage;
  /** Every input file as its footer (or the CSV reader) describes it. */
  files: FileMetadata[];
}

export interface Lineage {
  rows_in: number;
  metrics: MetricLineage[];
}

export interface MetricLineage {
  metric: "learner_views" | "learner_averages" | "video_averages" | "course_averages";
  description: string;
  rows_in: number;
  /** In pipeline order; rows_in minus their sum is rows_used. */
  steps: LineageStep[];
  rows_used: number;
}

export interface LineageStep {
  step: string;
  rows: number;
}

export interface FileMetadata {
  name: string;
  format: "parquet" | "csv";
  size: number;
  /** Content hash, 32 hex digits. */
  fingerprint: string;
  rows: number;
  row_groups: number;
  compression: string[];
  created_by: string | null;
  columns: ColumnMetadata[];
}

export interface ColumnMetadata {
  name: string;
  data_type: string;
  description: string | null;
}

export interface SourceInfo {
  name: string;
  format: string;
  rows: number;
  row_groups: number;
  /** [field, column] pairs. */
  mapping: [string, string][];
  completion_scale: "percent" | "fraction";
  scale_inferred: boolean;
  /** The completion values as stored: the scale check's evidence. */
  scale_check: ScaleCheck;
}

/** The completion values of one input as stored, before scaling: the scale check's evidence. */
export interface ScaleCheck {
  numbers: number;
  within_one: number;
  above_one: number;
  min: number | null;
  max: number | null;
}

export interface RowCounts {
  total: number;
  filtered_out: number;
  duplicates_removed: number;
  student: number;
  valid_completion: number;
}

export interface Summary {
  learners: number;
  courses: number;
  videos: number;
  mean_completion: number | null;
}

/** The list sizes and minimums the report's lists were built with. */
export interface Lists {
  top_n: number;
  per_course_n: number;
  min_views: number;
  min_videos: number;
}

export interface LearnerRow {
  rank: number | null;
  student_id: string;
  videos_watched: number;
  views: number;
  avg_completion: number | null;
}

export interface VideoRow {
  video_id: string;
  video_title: string | null;
  course_id: string | null;
  views: number;
  learners: number;
  avg_completion: number | null;
}

export interface CourseRow {
  course_id: string;
  course_code: string | null;
  views: number;
  learners: number;
  videos: number;
  avg_completion: number | null;
  top: CourseVideoRow[];
  bottom: CourseVideoRow[];
}

export interface CourseVideoRow {
  video_id: string;
  video_title: string | null;
  views: number;
  avg_completion: number;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface DailyRow {
  date: string;
  views: number;
  avg_completion: number | null;
}

export interface QualityReport {
  passed: boolean;
  rules: QualityRule[];
  /** Tests imported from a dbt schema file (empty without one). */
  dbt: DbtRuleResult[];
  /** dbt tests that are not run, so none is silently ignored. */
  dbt_unsupported: DbtUnsupported[];
}

export interface DbtRuleResult {
  name: string;
  test: "not_null" | "unique" | "accepted_values" | "dbt_expectations.expect_column_values_to_be_between";
  model: string;
  column: string;
  severity: "error" | "warn";
  count: number;
  percent: number;
  status: "pass" | "warn" | "fail" | "skipped";
  samples: Sample[];
}

export interface DbtUnsupported {
  model: string;
  column: string | null;
  test: string;
}

export interface QualityRule {
  name: string;
  description: string;
  /** With "warn", `error_if` is not applied. */
  severity: "error" | "warn";
  /** Above this the rule warns. */
  warn_if: Threshold;
  /** Above this the rule fails (severity "error"). */
  error_if: Threshold;
  crossed: "warn_if" | "error_if" | null;
  count: number;
  percent: number;
  status: "pass" | "warn" | "fail" | "skipped";
  details: ValueCount[];
  samples: Sample[];
}

/** A row count, or a percentage of all rows. */
export type Threshold = { count: number } | { percent: number };

export interface ValueCount {
  value: string | null;
  count: number;
}

export interface Sample {
  source: string;
  row: number;
  values: Record<string, string | null>;
}

export interface Pruning {
  files: number;
  files_skipped: number;
  row_groups: number;
  row_groups_skipped: number;
  bytes: number;
  bytes_skipped: number;
  files_already_loaded: number;
  rows_skipped: number;
}
