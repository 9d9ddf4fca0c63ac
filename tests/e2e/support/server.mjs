// A static server for dist/ under a sub-path, on 127.0.0.1, for the end-to-end suite.
//
// The app must work when deployed below the site root, so everything is served under BASE and
// any other path is a 404. MIME types matter: browsers compile wasm by streaming only when it
// is served as application/wasm.
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { readFile } from 'node:fs/promises';
import { createReadStream, statSync } from 'node:fs';
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

/// What `compress` gzips: the build's code and text, not data.
const COMPRESSED = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.json', '.svg']);

/// Bytes and requests served per data path, for the remote-file journeys (`GET BASE__stats`;
/// `GET BASE__stats/reset` empties it).
const stats = {};

/// The embed-config.json this server serves in place of the build's (which allows the app's own
/// origin only), as a deployer would write it: `GET BASE__embed-config?allow=ORIGIN,ORIGIN`
/// sets its allowedOrigins, `GET BASE__embed-config/reset` goes back to the build's file.
let embedConfig = null;

/// `BASE data/NAME` serves `dataDir/NAME` honouring `Range: bytes=a-b` and `bytes=-n` (206 with
/// Content-Range); `BASE data-norange/NAME` serves the same file ignoring Range, like a server
/// that does not support it. `?delay=MS` (at most 5 s) answers that much later, like a slow link.
/// For the remote-limits journeys, on `data/`: `?range_delay=MS` (at most 60 s) delays only
/// `bytes=a-b` requests (not the `bytes=-n` probe), like a server that stalls mid-file; `?shift=1`
/// answers `bytes=a-b` with the bytes one later than asked, under an honest Content-Range.
function serveData(dataDir, url, request, response) {
  const ranged = url.pathname.startsWith(`${BASE}data/`);
  const name = decodeURIComponent(url.pathname.slice(url.pathname.indexOf('/', BASE.length) + 1));
  // Sub-folders are allowed (partitioned datasets: ds/date=2025-03-01/part-0.parquet), but no
  // segment may climb out or be hidden.
  const segments = name.split('/');
  if (!dataDir || segments.some((segment) => segment === '' || segment.startsWith('.'))) {
    response.writeHead(404).end();
    return;
  }
  const path = join(dataDir, name);
  let size;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const match = ranged && /^bytes=(\d*)-(\d*)$/.exec(request.headers.range ?? '');
  let [start, end, status] = [0, size - 1, 200];
  const fromTo = match && match[1] !== '';
  if (match) {
    status = 206;
    if (match[1] === '') start = Math.max(0, size - Number(match[2]));
    else {
      start = Number(match[1]);
      if (match[2] !== '') end = Math.min(Number(match[2]), size - 1);
    }
    if (fromTo && url.searchParams.get('shift') === '1') {
      start = Math.min(start + 1, size - 1);
      end = Math.min(end + 1, size - 1);
    }
  }
  const length = Math.max(0, end - start + 1);
  const key = url.pathname;
  stats[key] ??= { requests: 0, bytes: 0, size };
  stats[key].requests += 1;
  const headers = { 'content-type': 'application/octet-stream', 'content-length': length, 'cache-control': 'no-store' };
  if (ranged) headers['accept-ranges'] = 'bytes';
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  const rangeDelay = fromTo ? Math.min(Number(url.searchParams.get('range_delay')) || 0, 60_000) : 0;
  const delay = Math.min(Number(url.searchParams.get('delay')) || 0, 5_000) + rangeDelay;
  setTimeout(() => {
    response.writeHead(status, headers);
    if (length === 0) {
      response.end();
      return;
    }
    // Streamed, and counted as it is sent: a client that stops reading (a refused download)
    // shows as bytes well short of the file, and a large file never sits whole in memory.
    const body = createReadStream(path, { start, end });
    body.on('data', (chunk) => {
      stats[key].bytes += chunk.length;
    });
    body.pipe(response);
    response.on('close', () => body.destroy());
  }, delay);
}

/// `BASE generated/huge.parquet?size=N` (ignoring Range): N bytes of zeros with a true
/// Content-Length, made as the client reads them, so a client that downloads without a cap
/// shows as bytes served far past what it should have taken. `BASE generated/many.txt?n=N`: a
/// manifest listing N paths. Counted in `__stats` like data files.
function serveGenerated(url, request, response) {
  const key = url.pathname;
  const name = url.pathname.slice(`${BASE}generated/`.length);
  if (name === 'many.txt') {
    const n = Math.min(Number(url.searchParams.get('n')) || 0, 1_000_000);
    const body = Buffer.from('# generated\n' + 'date=2025-03-01/part-0.parquet\n'.repeat(n));
    stats[key] ??= { requests: 0, bytes: 0, size: body.length };
    stats[key].requests += 1;
    stats[key].bytes += body.length;
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'cache-control': 'no-store' });
    response.end(body);
    return;
  }
  if (name !== 'huge.parquet') {
    response.writeHead(404).end();
    return;
  }
  const size = Math.min(Number(url.searchParams.get('size')) || 0, 2 ** 40);
  stats[key] ??= { requests: 0, bytes: 0, size };
  stats[key].requests += 1;
  response.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-store',
  });
  const chunk = Buffer.alloc(64 * 1024);
  let sent = 0;
  let closed = false;
  response.on('close', () => {
    closed = true;
  });
  const pump = () => {
    while (!closed && sent < size) {
      const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
      sent += piece.length;
      stats[key].bytes += piece.length;
      if (!response.write(piece)) {
        response.once('drain', pump);
        return;
      }
    }
    if (!closed) response.end();
  };
  pump();
}

/// The Content-Security-Policy of the built index.html's <meta http-equiv>, which the server also
/// sends as a header (as the README tells deployers to), with the `frame-ancestors` a meta cannot
/// carry: the app only in its own site's frames, the embed also in the embed journeys' host
/// pages (http://localhost:PORT, see host.mjs). `null` when the build has no policy.
export async function contentSecurityPolicy(dist) {
  const html = await readFile(join(dist, 'index.html'), 'utf8').catch(() => '');
  const policy = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)?.[1];
  if (!policy) return null;
  return {
    app: `${policy}; frame-ancestors 'self'`,
    embed: `${policy}; frame-ancestors 'self' http://localhost:*`,
  };
}

/// Serves `dist` on 127.0.0.1 (a free port); resolves to { url, close }, url ending in BASE.
/// With `dataDir`, also serves its files under BASE data/ (with Range) and BASE data-norange/.
/// Every file of the app is sent with the build's Content-Security-Policy header. With
/// `compress`, the build's code and text (wasm, JS, CSS, HTML, JSON, SVG) go gzip-encoded to a
/// client that accepts it, as a static host sends them; data files never are.
export async function startServer(dist, dataDir, { compress = false } = {}) {
  const csp = await contentSecurityPolicy(dist);
  const gzipped = new Map();
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    if (url.pathname === `${BASE}__stats`) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    if (url.pathname === `${BASE}__stats/reset`) {
      for (const key of Object.keys(stats)) delete stats[key];
      response.writeHead(204).end();
      return;
    }
    if (url.pathname === `${BASE}__embed-config`) {
      const allow = (url.searchParams.get('allow') ?? '').split(',').filter(Boolean);
      embedConfig = JSON.stringify({ allowedOrigins: allow });
      response.writeHead(200, { 'content-type': 'application/json' }).end(embedConfig);
      return;
    }
    if (url.pathname === `${BASE}__embed-config/reset`) {
      embedConfig = null;
      response.writeHead(204).end();
      return;
    }
    if (url.pathname === `${BASE}embed-config.json` && embedConfig !== null) {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(embedConfig);
      return;
    }
    if (url.pathname.startsWith(`${BASE}generated/`)) {
      serveGenerated(url, request, response);
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
      let body = await readFile(join(dist, relative));
      const headers = {
        'content-type': TYPES[extname(relative)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      };
      if (compress && COMPRESSED.has(extname(relative)) && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
        if (!gzipped.has(relative)) gzipped.set(relative, gzipSync(body, { level: 9 }));
        body = gzipped.get(relative);
        headers['content-encoding'] = 'gzip';
        headers.vary = 'accept-encoding';
      }
      headers['content-length'] = body.length;
      // Documents and workers (their scripts) take the policy from the header.
      if (csp) headers['content-security-policy'] = relative === 'embed.html' ? csp.embed : csp.app;
      response.writeHead(200, headers);
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
