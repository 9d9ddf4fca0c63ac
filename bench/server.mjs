// The benchmark's web server on 127.0.0.1: the bench page (bench/www/) under /bench/, the built
// app (dist/) under /app/, a few npm packages' files under /npm/ (bare imports rewritten to
// paths, Apache Arrow's UMD bundle served as an ES module), and the data files under /data/.
// Shared by bench/run.mjs and bench/profile.mjs.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// The npm files the page may load, and the bare imports rewritten to them.
const NPM_ALLOWED = [
  '@duckdb/duckdb-wasm/dist/',
  'apache-arrow/Arrow.esnext.min.js',
  'hyparquet/src/',
  'hyparquet-compressors/src/',
  'fzstd/esm/',
  'hysnappy/js/',
];
const BARE_IMPORTS = {
  'apache-arrow': '/arrow.mjs',
  fzstd: '/npm/fzstd/esm/index.mjs',
  hysnappy: '/npm/hysnappy/js/index.js',
};
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.parquet': 'application/octet-stream',
};

/** Apache Arrow's UMD bundle as one ES module (DuckDB-WASM imports `apache-arrow`). */
export function arrowModule() {
  const path = join(ROOT, 'node_modules/apache-arrow/Arrow.esnext.min.js');
  const names = Object.keys(createRequire(import.meta.url)(path));
  return [
    'const module = { exports: {} };',
    'const exports = module.exports;',
    readFileSync(path, 'utf8'),
    `export const { ${names.join(', ')} } = module.exports;`,
  ].join('\n');
}

export function startServer({ dist, files }) {
  const served = new Map(); // URL path -> bytes sent (the last time)
  const data = new Map(files.map((file) => [basename(file), file]));
  const arrow = Buffer.from(arrowModule());
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
    const send = (body, type) => {
      served.set(path, body.length);
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    const fail = (status) => response.writeHead(status).end(String(status));
    if (path === '/') {
      response.writeHead(302, { location: '/bench/' }).end();
      return;
    }
    if (path === '/arrow.mjs') return send(arrow, TYPES['.mjs']);
    if (path.startsWith('/data/')) {
      const file = data.get(path.slice('/data/'.length));
      if (!file) return fail(404);
      response.writeHead(200, {
        'content-type': TYPES['.parquet'],
        'content-length': statSync(file).size,
        'cache-control': 'no-store',
      });
      response.end(readFileSync(file));
      return;
    }
    let file = null;
    if (path.startsWith('/bench/')) file = within(join(ROOT, 'bench/www'), path.slice(7) || 'index.html');
    else if (path.startsWith('/app/')) file = within(dist, path.slice(5) || 'index.html');
    else if (path.startsWith('/npm/')) {
      const relative = path.slice(5);
      if (NPM_ALLOWED.some((prefix) => relative.startsWith(prefix))) {
        file = within(join(ROOT, 'node_modules'), relative);
      }
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) return fail(404);
    let body = readFileSync(file);
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    if (path.startsWith('/npm/') && type === 'text/javascript') body = rewriteBareImports(body);
    send(body, type);
  });
  return new Promise((resolvePromise) =>
    server.listen(0, '127.0.0.1', () => resolvePromise({ server, served })),
  );
}

function within(root, relative) {
  const path = normalize(join(root, relative));
  return path.startsWith(root + sep) ? path : null;
}

export function rewriteBareImports(body) {
  const text = body.toString('utf8');
  const rewritten = text.replace(/(from\s*|import\s*)(["'])([^"'./][^"']*)\2/g, (match, keyword, quote, name) =>
    name in BARE_IMPORTS ? `${keyword}${quote}${BARE_IMPORTS[name]}${quote}` : match,
  );
  return rewritten === text ? body : Buffer.from(rewritten);
}

