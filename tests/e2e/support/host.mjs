// An "LMS" host page on another origin than the app, for the embed journeys: served from
// 127.0.0.1 on its own port but addressed as http://localhost:PORT, so origin, site and port
// all differ from the app's http://127.0.0.1:PORT. Inline scripts are fine here: the host page
// is not under CoursePulse's policy, only the embedded page is.
//
//   /iframe.html?query=...   <iframe src="APP/embed.html?<query>&origin=HOST"> (600x400)
//   /element.html?attrs=...  <script src="APP/embed/coursepulse.js"> + <coursepulse-dashboard>
//   /data/NAME               a file from `dataDir` (the host's own copy of the data)
//
// Both pages record every CoursePulse message or element event they receive in
// `window.received`, and offer `window.sendToEmbed(message)` and `window.fetchBytes(path)`.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const RECORDER = `
window.received = [];
window.fetchBytes = async (path) => (await fetch(path)).arrayBuffer();
`;

function iframePage(appUrl, hostOrigin, query) {
  const params = new URLSearchParams(query);
  params.set('origin', hostOrigin);
  const src = `${appUrl}embed.html?${params}`;
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>LMS course page</title></head>
<body>
<h1>Course page (host)</h1>
<iframe id="embed" title="CoursePulse" src="${src.replace(/"/g, '&quot;')}" width="600" height="400" style="border:1px solid #ccc"></iframe>
<script>
${RECORDER}
const APP_ORIGIN = ${JSON.stringify(new URL(appUrl).origin)};
const frame = document.getElementById('embed');
window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow || event.origin !== APP_ORIGIN) return;
  window.received.push(event.data);
});
window.sendToEmbed = (message) => frame.contentWindow.postMessage(message, APP_ORIGIN);
</script>
</body></html>`;
}

function elementPage(appUrl, query) {
  const attributes = [...new URLSearchParams(query)]
    .map(([name, value]) => (value === '' ? name : `${name}="${value.replace(/"/g, '&quot;')}"`))
    .join(' ');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>LMS course page</title>
<script src="${appUrl}embed/coursepulse.js"></script></head>
<body>
<h1>Course page (host)</h1>
<coursepulse-dashboard id="dashboard" ${attributes} style="width: 600px; height: 400px"></coursepulse-dashboard>
<script>
${RECORDER}
const element = document.getElementById('dashboard');
for (const type of ['coursepulse:ready', 'coursepulse:loaded', 'coursepulse:error', 'coursepulse:selection']) {
  element.addEventListener(type, (event) => window.received.push(event.detail));
}
</script>
</body></html>`;
}

/// Starts the host; resolves to { origin, url(path), close }.
export async function startHost(appUrl, dataDir) {
  let origin;
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://localhost');
    const html = (body) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
    if (url.pathname === '/iframe.html') return html(iframePage(appUrl, origin, url.searchParams.get('query') ?? ''));
    if (url.pathname === '/element.html') return html(elementPage(appUrl, url.searchParams.get('attrs') ?? ''));
    const name = url.pathname.startsWith('/data/') ? decodeURIComponent(url.pathname.slice('/data/'.length)) : '';
    if (name && !name.includes('/') && !name.startsWith('.')) {
      try {
        const body = await readFile(join(dataDir, name));
        return response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      } catch {
        // Falls through to the 404.
      }
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  origin = `http://localhost:${server.address().port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
