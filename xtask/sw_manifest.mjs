// Writes the service worker (www/sw.js) into a Trunk build with its precache list filled in:
// every file of the build, the full worker's apart as `lazy` (cached on first use, not on
// install), the SHA-256 of every worker file (`hashes`: Trunk hashes the page's file names but
// not the workers', so the service worker checks their contents before caching them, and never
// caches another build's), and a version hashed from all their contents.
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
const PLACEHOLDER = /^const PRECACHE = \{ version: 'dev', files: \[\], lazy: \[\], hashes: \{\} \};.*$/m;
// Not precached: the worker itself, TypeScript declarations, files only a developer opens, and
// the embed's config, which the deployer may change at any time (always read from the network).
const SKIP = [/^sw\.js$/, /\.d\.ts$/, /\.map$/, /^embed-config\.json$/];
// The analysis workers' files (loader, glue, wasm), whose names carry no content hash.
const WORKER = /^coursepulse-worker/;
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
/// { version, files, lazy, hashes }.
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
  const hashes = Object.fromEntries(
    all
      .filter((file) => WORKER.test(file))
      .map((file) => [file, createHash('sha256').update(readFileSync(join(dir, file))).digest('hex')]),
  );

  const template = readFileSync(TEMPLATE, 'utf8');
  if (!PLACEHOLDER.test(template)) {
    throw new Error(`sw_manifest: ${TEMPLATE} lost its PRECACHE placeholder line`);
  }
  const manifest = `const PRECACHE = ${JSON.stringify({ version, files, lazy, hashes })};`;
  writeFileSync(join(dir, 'sw.js'), template.replace(PLACEHOLDER, () => manifest));
  console.log(
    `sw_manifest: ${join(dir, 'sw.js')}: ${files.length} files, ${lazy.length} lazy, version ${version}`,
  );
  return { version, files, lazy, hashes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeServiceWorker(process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? 'dist');
}
