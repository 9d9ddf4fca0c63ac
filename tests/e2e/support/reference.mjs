// The CLI's answers for the generated dirty file (written by global-setup.mjs), and the small
// helpers that turn them into what the page shows.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/// Paths of the inputs global setup generated.
export function inputs() {
  const work = process.env.E2E_WORK;
  if (!work) throw new Error('E2E_WORK is not set: run the suite through playwright.config.mjs');
  return {
    dirty: join(work, 'dirty.parquet'),
    corrupt: join(work, 'x.parquet'),
    brotli: join(work, 'dirty-brotli.parquet'),
    reference: JSON.parse(readFileSync(join(work, 'reference.json'), 'utf8')),
  };
}

/// The native tools the suite runs: the CLI and the fixtures generator (debug builds of this
/// checkout's target dir, or E2E_CLI and E2E_FIXTURES).
export function tools() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const target = resolve(root, process.env.CARGO_TARGET_DIR ?? 'target');
  return {
    cli: process.env.E2E_CLI ?? join(target, 'debug', 'coursepulse'),
    fixtures: process.env.E2E_FIXTURES ?? join(target, 'debug', 'coursepulse-fixtures'),
  };
}

/// `1234567` as `1,234,567`, like the page.
export function groupThousands(value) {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/// Whether `shown` (e.g. "66.67" or "66.67%") is `value` rounded to 2 decimals. The page rounds
/// with Rust's formatter (ties to even on the exact binary value); JS's toFixed rounds ties up,
/// so on an exact tie (x.xx5) either neighbour is accepted.
export function isTwoDecimals(shown, value) {
  const text = shown.replace(/%$/, '');
  if (text === value.toFixed(2)) return true;
  const hundredths = value * 100;
  const isTie = Math.abs(hundredths - Math.floor(hundredths) - 0.5) < 1e-7;
  return isTie && Math.abs(Number(text) - value) <= 0.005 + 1e-9;
}

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF) into rows of strings.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
