// A static server for dist/ under a sub-path, on 127.0.0.1, for the end-to-end suite.
//
// The app must work when deployed below the site root, so everything is served under BASE and
// any other path is a 404. MIME types matter: browsers compile wasm by streaming only when it
// is served as application/wasm.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
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

/// Serves `dist` on 127.0.0.1 (a free port); resolves to { url, close }, url ending in BASE.
export async function startServer(dist) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
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
