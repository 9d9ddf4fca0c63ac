// A static server for dist/ under a sub-path, on 127.0.0.1, for the end-to-end suite.
//
// The app must work when deployed below the site root, so everything is served under BASE and
// any other path is a 404. MIME types matter: browsers compile wasm by streaming only when it
// is served as application/wasm.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

export const BASE = '/app/';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.parquet': 'application/vnd.apache.parquet',
  '.csv': 'text/csv; charset=utf-8',
};

/// Bytes and requests served per data path, for the remote-file journey (`GET BASE__stats`).
const stats = {};

/// `BASE data/NAME` serves `dataDir/NAME` honouring `Range: bytes=a-b` and `bytes=-n` (206 with
/// Content-Range); `BASE data-norange/NAME` serves the same file ignoring Range, like a server
/// that does not support it.
function serveData(dataDir, url, request, response) {
  const ranged = url.pathname.startsWith(`${BASE}data/`);
  const name = decodeURIComponent(url.pathname.slice(url.pathname.indexOf('/', BASE.length) + 1));
  if (!dataDir || name.includes('/') || name.startsWith('.')) {
    response.writeHead(404).end();
    return;
  }
  const path = join(dataDir, name);
  let size;
  try {
    size = statSync(path).size;
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const match = ranged && /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  let [start, end, status] = [0, size - 1, 200];
  if (match) {
    status = 206;
    if (match[1] === '') start = Math.max(0, size - Number(match[2]));
    else {
      start = Number(match[1]);
      if (match[2] !== '') end = Math.min(Number(match[2]), size - 1);
    }
  }
  const body = Buffer.alloc(Math.max(0, end - start + 1));
  const fd = openSync(path, 'r');
  readSync(fd, body, 0, body.length, start);
  closeSync(fd);
  const key = url.pathname;
  stats[key] ??= { requests: 0, bytes: 0, size };
  stats[key].requests += 1;
  stats[key].bytes += body.length;
  const headers = { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' };
  if (ranged) headers['accept-ranges'] = 'bytes';
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  response.writeHead(status, headers).end(body);
}

/// Serves `dist` on 127.0.0.1 (a free port); resolves to { url, close }, url ending in BASE.
/// With `dataDir`, also serves its files under BASE data/ (with Range) and BASE data-norange/.
export async function startServer(dist, dataDir) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    if (url.pathname === `${BASE}__stats`) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    if (url.pathname.startsWith(`${BASE}data/`) || url.pathname.startsWith(`${BASE}data-norange/`)) {
      serveData(dataDir, url, request, response);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    if (!url.pathname.startsWith(BASE)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not under ${BASE}`);
      return;
    }
    let relative = normalize(decodeURIComponent(url.pathname.slice(BASE.length)));
    if (relative === '.' || relative.endsWith(sep)) relative = join(relative, 'index.html');
    if (relative.startsWith('..')) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(join(dist, relative));
      response.writeHead(200, {
        'content-type': TYPES[extname(relative)] ?? 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${server.address().port}${BASE}`;
  const close = () => new Promise((resolve) => server.close(resolve));
  return { url, close };
}

// `node tests/e2e/support/server.mjs [DIST]` serves until interrupted (for poking at the app).
if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startServer(process.argv[2] ?? 'dist');
  console.log(`serving ${url}`);
}
