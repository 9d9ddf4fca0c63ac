// Formats bench/run.mjs's results as Markdown tables (readable in a terminal, pasteable into
// bench/RESULTS.md).

const NAMES = {
  coursepulse: 'CoursePulse worker',
  app: 'CoursePulse page (`analysis`, every core)',
  app1: 'CoursePulse page, 1 worker',
  duckdb: 'DuckDB-WASM',
  hyparquet: 'hyparquet + JS',
};
const TEN_MILLION = 10_000_000;
const SIZE_BUDGET = 1.2e6;
const TASK_BUDGET_MS = 50;

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (ms) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
const megabytes = (bytes) => (bytes === null || bytes === undefined ? '–' : `${(bytes / 1e6).toFixed(1)} MB`);
const kilobytes = (bytes) => `${Math.round(bytes / 1000).toLocaleString('en-US')} KB`;
const rowsLabel = (rows) =>
  rows === undefined ? '?' : rows >= 1e6 ? `${(rows / 1e6).toFixed(rows % 1e6 ? 1 : 0)}M` : rows.toLocaleString('en-US');

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

function timeCell(record, contender) {
  if (record.errors[contender]) return `failed: ${record.errors[contender].slice(0, 60)}`;
  const values = record.runs[contender].map((run) => run.ms);
  if (values.length === 0) return '–';
  const cell = seconds(median(values));
  return values.length > 1 ? `${cell} (${seconds(Math.min(...values))}–${seconds(Math.max(...values))})` : cell;
}

function medianOf(record, contender) {
  if (record.errors[contender]) return null;
  return median(record.runs[contender].map((run) => run.ms));
}

/** The app's `render` measure (worker's answer -> dashboard painted), median over its runs. */
function renderMedian(record) {
  const values = (record.runs.app ?? []).map((run) => run.renderMs).filter((ms) => typeof ms === 'number');
  return values.length === 0 ? null : median(values);
}

function longestTask(record, contender) {
  const runs = record.runs[contender];
  if (runs.length === 0) return null;
  return Math.max(...runs.map((run) => run.longestTaskMs));
}

const taskCell = (ms) => (ms === null ? '–' : ms === 0 ? `none ≥ ${TASK_BUDGET_MS} ms` : `${Math.round(ms)} ms`);
const ratioCell = (a, b) => (a === null || b === null ? '–' : `${(a / b).toFixed(2)}×`);
const rowsOf = (record) => record.runs.coursepulse[0]?.answer?.rows?.total;

export function formatReport(report) {
  const out = [];
  out.push(`Date: ${report.date}  `);
  out.push(`Machine: ${report.machine}; Chromium ${report.chromium} (headless); Node ${report.node}  `);
  if (report.versions) {
    out.push(`Contenders: ${Object.entries(report.versions).map(([name, version]) => `${name} ${version}`).join(', ')}  `);
  }
  out.push(`Rounds per file: ${report.reps} (contender order rotates every round)`);
  out.push('');
  out.push(`### Bytes in memory to report: median (min–max)`);
  out.push('');
  out.push(
    table(
      ['file', 'rows', 'size', ...Object.values(NAMES), 'DuckDB / CoursePulse', 'hyparquet / CoursePulse', 'page: 1 worker / every core', 'answers'],
      report.records.map((record) => {
        const coursepulse = medianOf(record, 'coursepulse');
        return [
          `\`${record.file}\``,
          rowsLabel(rowsOf(record)),
          megabytes(record.bytes),
          ...Object.keys(NAMES).map((contender) => timeCell(record, contender)),
          ratioCell(medianOf(record, 'duckdb'), coursepulse),
          ratioCell(medianOf(record, 'hyparquet'), coursepulse),
          ratioCell(medianOf(record, 'app1'), medianOf(record, 'app')),
          record.differences.length === 0 ? 'agree' : `${record.differences.length} differences`,
        ];
      }),
    ),
  );
  out.push('');
  out.push('### Longest main-thread task during a load (longtask observer, worst round)');
  out.push('');
  out.push(
    table(
      ['file', ...Object.values(NAMES)],
      report.records.map((record) => [
        `\`${record.file}\``,
        ...Object.keys(NAMES).map((contender) => taskCell(longestTask(record, contender))),
      ]),
    ),
  );
  out.push('');
  out.push('### Start-up, and CoursePulse wasm memory (linear memory after one load in a fresh worker, worst round)');
  out.push('');
  out.push(
    table(
      [
        'file',
        'CoursePulse worker ready',
        'app mounted + worker ready',
        'DuckDB-WASM instantiate',
        'hyparquet worker ready',
        'CoursePulse worker: wasm memory',
        'app worker: wasm memory',
      ],
      report.records.map((record) => [
        `\`${record.file}\``,
        seconds(record.start.coursepulse),
        seconds(record.start.app),
        seconds(record.start.duckdb),
        seconds(record.start.hyparquet),
        megabytes(record.memory.coursepulse),
        megabytes(record.memory.app),
      ]),
    ),
  );
  out.push('');
  for (const record of report.records.filter((candidate) => candidate.filterError)) {
    out.push(`Filter round on \`${record.file}\` failed: ${record.filterError}`);
    out.push('');
  }
  const rounds = report.records.filter((record) => record.filterRounds?.length);
  if (rounds.length > 0) {
    out.push('### Filter changes on the loaded dataset (app page: change -> painted dashboard; median over rounds)');
    out.push('');
    const labels = rounds[0].filterRounds[0].map((step) => (/^course (?!cleared$)\S+$/.test(step.change) ? 'one course' : step.change));
    out.push(
      table(
        ['file', ...labels, 'longest task', 'bytes read'],
        rounds.map((record) => {
          const at = (index) => median(record.filterRounds.map((steps) => steps[index]?.ms).filter((ms) => typeof ms === 'number'));
          const steps = record.filterRounds.flat();
          return [
            `\`${record.file}\``,
            ...labels.map((_, index) => `${Math.round(at(index))} ms`),
            taskCell(Math.max(0, ...steps.map((step) => step.longestTaskMs ?? 0))),
            steps.every((step) => step.fromKeptRows) ? String(Math.max(...steps.map((step) => step.bytesRead))) : 'files read again',
          ];
        }),
      ),
    );
    out.push('');
  }
  const shared = report.records.filter((record) => record.sharePhases?.length);
  if (shared.length > 0) {
    out.push('### Loads read in shares: where the reading worker spent the time (app page, every core; median over rounds)');
    out.push('');
    const labels = Object.keys(shared[0].sharePhases[0]);
    out.push(
      table(
        ['file', ...labels],
        shared.map((record) => [
          `\`${record.file}\``,
          ...labels.map((label) => seconds(median(record.sharePhases.map((phases) => phases[label]).filter((ms) => typeof ms === 'number')))),
        ]),
      ),
    );
    out.push('');
  }
  out.push('### Download size (what the page fetched; gzip -9)');
  out.push('');
  out.push(
    table(
      ['contender', 'wasm raw', 'wasm gzip', 'JS raw', 'JS gzip', 'CSS/HTML gzip', 'total gzip'],
      report.sizes.map((entry) => [
        entry.name,
        kilobytes(entry.wasm.raw),
        kilobytes(entry.wasm.gzip),
        kilobytes(entry.js.raw),
        kilobytes(entry.js.gzip),
        kilobytes(entry.other.gzip),
        kilobytes(entry.wasm.gzip + entry.js.gzip + entry.other.gzip),
      ]),
    ),
  );
  out.push('');
  out.push(...targets(report));
  return out.join('\n');
}

/** Issue 4's targets, as measured here. */
function targets(report) {
  const lines = ['### Issue 13 targets (browser; the native ones are in the native table)'];
  lines.push('');
  const mark = (ok) => (ok === null ? '?' : ok ? 'met' : 'MISSED');
  const judged = (value, ok) => (value === null || value === undefined ? null : ok(value));
  for (const record of report.records) {
    const rows = rowsOf(record) ?? 0;
    const app = medianOf(record, 'app');
    const one = medianOf(record, 'app1');
    const duckdb = medianOf(record, 'duckdb');
    const parts = [];
    if (rows >= TEN_MILLION) {
      parts.push(`file → painted dashboard ${seconds(app)} (target ≤ 3 s: ${mark(judged(app, (ms) => ms <= 3000))})`);
      parts.push(`DuckDB-WASM ÷ page ${ratioCell(duckdb, app)} (target ≥ 8×: ${mark(duckdb && app ? duckdb / app >= 8 : null)})`);
      const steps = record.filterRounds?.length
        ? record.filterRounds[0].map((_, index) => median(record.filterRounds.map((round) => round[index]?.ms).filter((ms) => typeof ms === 'number')))
        : [];
      const slowest = steps.length ? Math.max(...steps) : null;
      parts.push(`slowest filter change ${slowest === null ? '–' : `${Math.round(slowest)} ms`} (target ≤ 150 ms: ${mark(judged(slowest, (ms) => ms <= 150))})`);
      const memory = record.memory.app ?? null;
      parts.push(`wasm memory of the reading worker ${megabytes(memory)} (target ≤ 500 MB for all workers: ${mark(judged(memory, (bytes) => bytes <= 500e6))})`);
    } else if (rows >= 1e6) {
      parts.push(`file → painted dashboard ${seconds(app)} (target ≤ 0.35 s: ${mark(judged(app, (ms) => ms <= 350))})`);
    }
    if (rows >= 1e6) {
      parts.push(`every core ÷ one worker ${one && app ? `${(one / app).toFixed(2)}×` : '–'} (target ≥ 1.7×: ${mark(one && app ? one / app >= 1.7 : null)})`);
      const task = Math.max(longestTask(record, 'app') ?? 0, ...(record.filterRounds ?? []).flat().map((step) => step.longestTaskMs ?? 0));
      parts.push(`longest main-thread task ${taskCell(task)} (target ≤ ${TASK_BUDGET_MS} ms: ${mark(task <= TASK_BUDGET_MS)})`);
    }
    if (parts.length) lines.push(`- \`${record.file}\`: ${parts.join('; ')}`);
  }
  const app = report.sizes.find((entry) => entry.name.startsWith('CoursePulse app'));
  if (app) {
    const total = app.wasm.gzip + app.js.gzip + app.other.gzip;
    lines.push(`- download for a visit: ${kilobytes(total)} gzip (target ≤ ${kilobytes(SIZE_BUDGET)}: ${total <= SIZE_BUDGET ? 'met' : 'MISSED'})`);
  }
  return lines;
}
