// Writes the service worker (www/sw.js) into a Trunk build with its precache list filled in:
// every file of the build, the full worker's apart as `lazy` (cached on first use, not on
// install), and a version hashed from their contents (Trunk hashes the page's
// file names but not the workers', so the names alone do not say when a build changed).
//
//   node xtask/sw_manifest.mjs [DIR]
//
// Trunk runs it as a post-build hook (Trunk.toml), with TRUNK_STAGING_DIR naming the build
// before it becomes dist/; DIR (default dist) is for running it by hand. Trunk starts its
// post-build hooks all at once, so a hook that adds files to the build must call
// `writeServiceWorker` itself, last, rather than run beside this one.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TEMPLATE = fileURLToPath(new URL('../www/sw.js', import.meta.url));
const PLACEHOLDER = /^const PRECACHE = \{ version: 'dev', files: \[\], lazy: \[\] \};.*$/m;
// Not precached: the worker itself, TypeScript declarations, and files only a developer opens.
const SKIP = [/^sw\.js$/, /\.d\.ts$/, /\.map$/];
// The full worker (the lean one plus Brotli) is fetched only for a Brotli file: installing it on
// every first visit would more than double what a visit downloads.
const LAZY = /^coursepulse-worker-full[._]/;

function walk(root, folder = root) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return walk(root, path);
    return [relative(root, path).split(sep).join('/')];
  });
}

/// Writes DIR/sw.js from www/sw.js with DIR's files precached or lazy; returns
/// { version, files, lazy }.
export function writeServiceWorker(dir) {
  const all = walk(dir)
    .filter((file) => !SKIP.some((pattern) => pattern.test(file)))
    .sort();
  const files = all.filter((file) => !LAZY.test(file));
  const lazy = all.filter((file) => LAZY.test(file));
  if (!files.includes('index.html')) {
    throw new Error(`sw_manifest: ${dir} has no index.html; is it a Trunk build?`);
  }
  const hash = createHash('sha256');
  for (const file of all) {
    hash.update(file).update('\0').update(readFileSync(join(dir, file))).update('\0');
  }
  const version = hash.digest('hex').slice(0, 16);

  const template = readFileSync(TEMPLATE, 'utf8');
  if (!PLACEHOLDER.test(template)) {
    throw new Error(`sw_manifest: ${TEMPLATE} lost its PRECACHE placeholder line`);
  }
  const manifest = `const PRECACHE = ${JSON.stringify({ version, files, lazy })};`;
  writeFileSync(join(dir, 'sw.js'), template.replace(PLACEHOLDER, () => manifest));
  console.log(
    `sw_manifest: ${join(dir, 'sw.js')}: ${files.length} files, ${lazy.length} lazy, version ${version}`,
  );
  return { version, files, lazy };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeServiceWorker(process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? 'dist');
}
