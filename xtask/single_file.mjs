// Builds the single self-contained coursepulse.html from a Trunk release build: the page's wasm
// and JS, both analysis workers, the CSS and the bundled sample, inlined into one HTML file that
// works when opened from file:// (double-clicked from a USB stick) with no server and no network.
//
//   node xtask/single_file.mjs DIST OUT.html      (cargo xtask single-file runs it)
//
// How it stands in for the web server, with no change to the app:
// - the page's JS glue (an ES module) is inlined in the one module script, and its wasm is
//   handed to it as bytes, decoded from a base64 data block (`<script type=
//   "application/octet-stream">`, which is never executed);
// - a page at file:// may not start a worker from a file, so `Worker` is wrapped: a request for
//   one of the build's worker loaders starts a Blob-URL worker holding that worker's JS glue,
//   whose first message carries its wasm bytes and the sample's;
// - in the worker, `fetch` of a bundled file (sample/watch-logs.parquet) answers from those
//   bytes; every other request goes to the real `fetch`.
// Prints the file's size raw and gzip -9.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, readdirSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

const [dist = 'dist', out = 'target/single-file/coursepulse.html'] = process.argv.slice(2);
// The worker loaders the app starts (src/worker/client.rs: WORKER_SCRIPT, FULL_WORKER_SCRIPT).
const WORKER_LOADERS = ['coursepulse-worker_loader.js', 'coursepulse-worker-full_loader.js'];
// Bundled files the worker fetches by relative URL (src/worker/host.rs: SAMPLE_URL).
const BUNDLED_DIR = 'sample';

function fail(message) {
  console.error(`single_file: ${message}`);
  process.exit(1);
}

function read(file, encoding) {
  try {
    return readFileSync(join(dist, file), encoding);
  } catch (error) {
    fail(`${join(dist, file)}: ${error.message}; run \`trunk build --release\` first`);
  }
}

function match(text, pattern, what) {
  const found = pattern.exec(text);
  if (!found) fail(`${what} not found (pattern ${pattern}); has Trunk's output changed?`);
  return found;
}

/// A data block: base64 in a non-executed script element, read back by id.
function dataBlock(id, bytes) {
  return `<script type="application/octet-stream" id="${id}">${Buffer.from(bytes).toString('base64')}</script>\n`;
}

/// Text for inclusion in an inline <script>: `</script` would end the element early.
function scriptSafe(text) {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const index = read('index.html', 'utf8');

// The page: Trunk's start-up module script imports the glue and passes it the wasm's path. It
// is inline in index.html, or in a file of its own where a strict CSP forbids inline scripts.
const startup = [
  ...[...index.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((found) => found[1]),
  ...[...index.matchAll(/<script\b[^>]*\bsrc=["']\.?\/?([^"':]+\.js)["'][^>]*>/gi)].map((found) => read(found[1], 'utf8')),
].join('\n');
const pageJs = match(startup, /from\s+['"]\.\/([^'"]+\.js)['"]/, "the page's JS glue import")[1];
const pageWasm = match(startup, /module_or_path:\s*['"]\.\/([^'"]+\.wasm)['"]/, "the page's wasm path")[1];
let pageGlue = read(pageJs, 'utf8');
// Inline, the module's exports are unreachable; the init function is called by its local name.
const initName = match(
  pageGlue,
  /export\s+default\s+(\w+)\s*;|export\s*\{[^}]*?\b(\w+)\s+as\s+default\b[^}]*\}/,
  "the glue's default export (its init function)",
);
const pageInit = initName[1] ?? initName[2];

// The workers: each loader is `importScripts("./X.js");wasm_bindgen({ module_or_path: "./X_bg.wasm" });`
// (trunk_post_build.mjs rewrote Trunk's deprecated `wasm_bindgen("./X_bg.wasm")`).
const workers = WORKER_LOADERS.map((loader) => {
  const text = read(loader, 'utf8');
  const js = match(text, /importScripts\(\s*['"]\.\/([^'"]+\.js)['"]\s*\)/, `${loader}'s script`)[1];
  const wasm = match(text, /wasm_bindgen\(\s*\{\s*module_or_path:\s*['"]\.\/([^'"]+\.wasm)['"]\s*\}\s*\)/, `${loader}'s wasm`)[1];
  return { loader, glue: read(js, 'utf8'), wasm: read(wasm) };
});

function walk(root) {
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    const path = join(root, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}
const bundled = walk(join(dist, BUNDLED_DIR)).map((path) => ({
  path: relative(dist, path).split(sep).join('/'),
  bytes: readFileSync(path),
}));
if (bundled.length === 0) fail(`${join(dist, BUNDLED_DIR)} is empty: the sample is missing`);

const stylesheets = [...index.matchAll(/<link\b[^>]*\brel=["']?stylesheet["']?[^>]*>/gi)].map((tag) =>
  read(match(tag[0], /href=["']\.?\/?([^"']+)["']/, 'a stylesheet href')[1], 'utf8'),
);

// Trunk's own tags (module preload, wasm preload, stylesheet links, the module script) and any
// Content-Security-Policy meaning a server are replaced by the inlined ones.
let head = index
  .replace(/<link\b[^>]*\brel=["']?(modulepreload|preload|stylesheet)["']?[^>]*>\s*/gi, '')
  .replace(/<script\b[^>]*>[\s\S]*?<\/script>\s*/gi, '')
  .replace(/<meta\b[^>]*http-equiv=["']?content-security-policy["']?[^>]*>\s*/gi, '');

const workerTable = workers
  .map((worker, index) => `  ${JSON.stringify(worker.loader)}: { glue: 'cp-worker-glue-${index}', wasm: 'cp-worker-wasm-${index}' },`)
  .join('\n');
const bundledTable = bundled
  .map((file, index) => `  ${JSON.stringify(file.path)}: 'cp-file-${index}',`)
  .join('\n');

// Runs inside each worker before its glue's init: answers fetches of bundled files.
const workerPrelude = `
self.onmessage = (event) => {
  self.onmessage = null;
  const { wasm, files } = event.data;
  const realFetch = self.fetch.bind(self);
  self.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    const name = Object.keys(files).find((path) => url === path || url === './' + path);
    if (name === undefined) return realFetch(input, init);
    return Promise.resolve(new Response(files[name], { status: 200, headers: { 'content-type': 'application/octet-stream' } }));
  };
  wasm_bindgen({ module_or_path: wasm });
};
`;

const bootstrap = `
// CoursePulse single-file build (xtask/single_file.mjs): the server's part, played in the page.
const block = (id) => {
  const text = document.getElementById(id).textContent;
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
};
const text = (id) => document.getElementById(id).textContent;
const WORKERS = {
${workerTable}
};
const FILES = {
${bundledTable}
};
const WORKER_PRELUDE = ${JSON.stringify(workerPrelude)};
const blobUrls = {};
const NativeWorker = globalThis.Worker;
globalThis.Worker = class extends NativeWorker {
  constructor(url, options) {
    const name = String(url).split(/[?#]/)[0].split('/').pop();
    const inlined = WORKERS[name];
    if (!inlined) {
      super(url, options);
      return;
    }
    blobUrls[name] ??= URL.createObjectURL(
      new Blob([text(inlined.glue), WORKER_PRELUDE], { type: 'text/javascript' }),
    );
    super(blobUrls[name], options);
    const files = Object.fromEntries(Object.entries(FILES).map(([path, id]) => [path, block(id)]));
    this.postMessage({ wasm: block(inlined.wasm), files });
  }
};
await ${pageInit}({ module_or_path: block('cp-page-wasm') });
`;

const styles = stylesheets.map((css) => `\n${css.replace(/<\/(style)/gi, '<\\/$1')}\n`);
const moduleScript = `\n${scriptSafe(pageGlue)}\n${bootstrap}`;
// A policy as strict as the served app's: the one inline script and the styles, by hash; wasm;
// workers only from the Blob URLs above; no network at all (the data is in the file or opened
// from disk), so nothing the demo shows can leave the machine.
const sha256 = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
const csp = [
  "default-src 'none'",
  `script-src ${sha256(moduleScript)} 'wasm-unsafe-eval'`,
  `style-src ${styles.map(sha256).join(' ')}`,
  "img-src data:",
  "worker-src blob:",
  "connect-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const inlined = [
  `<meta http-equiv="Content-Security-Policy" content="${csp}" />\n`,
  ...styles.map((css) => `<style>${css}</style>\n`),
  dataBlock('cp-page-wasm', read(pageWasm)),
  ...workers.flatMap((worker, index) => [
    // The worker glue is data here too: it runs only inside the Blob worker.
    `<script type="text/plain" id="cp-worker-glue-${index}">${scriptSafe(worker.glue)}</script>\n`,
    dataBlock(`cp-worker-wasm-${index}`, worker.wasm),
  ]),
  ...bundled.map((file, index) => dataBlock(`cp-file-${index}`, file.bytes)),
  `<script type="module">${moduleScript}</script>\n`,
].join('');

if (!/<\/head>/i.test(head)) fail('index.html has no </head>');
const html = head.replace(/<\/head>/i, () => `${inlined}</head>`);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, html);
const gzip = gzipSync(html, { level: 9 }).length;
const kb = (bytes) => `${Math.round(bytes / 1024).toLocaleString('en')} KB`;
console.log(`single_file: ${out}: ${kb(statSync(out).size)} raw, ${kb(gzip)} gzip -9 (${basename(pageWasm)}, ${workers.map((w) => w.loader).join(', ')}, ${bundled.map((f) => f.path).join(', ')})`);
