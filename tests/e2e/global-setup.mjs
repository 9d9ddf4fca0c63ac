// Before any journey: checks that the built app and the native tools exist (missing inputs are
// errors, never skips), generates the dirty Parquet file and the CLI's reference JSON for it in a
// temp dir, and serves dist/ under /app/ on 127.0.0.1. Tests find both through process.env.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startServer } from './support/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const ARTIFACTS = join(HERE, 'artifacts');

/// The dirty dataset of the comparison journey: duplicates, NULLs, bad roles, NaN, out-of-range
/// and future-dated rows, several row groups.
const FIXTURE_ARGS = ['--rows', '20000', '--learners', '800', '--courses', '6', '--videos-per-course', '10', '--seed', '5'];

export default async function globalSetup() {
  const dist = resolve(ROOT, process.env.E2E_DIST ?? 'dist');
  const target = resolve(ROOT, process.env.CARGO_TARGET_DIR ?? 'target');
  const cli = process.env.E2E_CLI ?? join(target, 'debug', 'coursepulse');
  const fixtures = process.env.E2E_FIXTURES ?? join(target, 'debug', 'coursepulse-fixtures');
  const missing = [
    [join(dist, 'index.html'), 'the built app: run `trunk build --release` (or `cargo xtask test`)'],
    [join(dist, 'sample', 'watch-logs.parquet'), 'the bundled sample in the built app'],
    [cli, 'the CLI: cargo build -p coursepulse-cli'],
    [fixtures, 'the fixtures generator: cargo build -p coursepulse-fixtures'],
  ].filter(([path]) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(`end-to-end inputs missing:\n${missing.map(([path, what]) => `  ${path}: ${what}`).join('\n')}`);
  }

  // Screenshots from an earlier run must not pass for this run's.
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const name of readdirSync(ARTIFACTS)) {
    if (name.endsWith('.png')) unlinkSync(join(ARTIFACTS, name));
  }

  const work = mkdtempSync(join(tmpdir(), 'coursepulse-e2e-'));
  const dirty = join(work, 'dirty.parquet');
  run(fixtures, ['file', dirty, ...FIXTURE_ARGS], [0]);
  // The page judges future timestamps against the browser's clock; so does the reference.
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  // Exit 1 means "quality gate failed", which this dirty file is meant to do.
  const report = run(cli, ['report', dirty, '--format', 'json', '--now', now], [0, 1]);
  writeFileSync(join(work, 'reference.json'), report);
  // A Parquet file cut short: the header magic is there, the footer is not.
  writeFileSync(join(work, 'x.parquet'), readFileSync(dirty).subarray(0, 100));

  const server = await startServer(dist, work);
  process.env.E2E_BASE_URL = server.url;
  process.env.E2E_WORK = work;
  console.log(`e2e: serving ${dist} at ${server.url}; inputs in ${work}`);

  return async () => {
    await server.close();
    rmSync(work, { recursive: true, force: true });
  };
}

function run(program, args, okCodes) {
  const result = spawnSync(program, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error || !okCodes.includes(result.status)) {
    throw new Error(
      `${program} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`,
    );
  }
  return result.stdout;
}
