// CoursePulse's service worker: after one visit the dashboard opens, and the bundled sample
// loads, with the network off.
//
// `trunk build` runs xtask/sw_manifest.mjs as a post-build hook, which writes this file into
// dist/ with the PRECACHE line below replaced by the build's file list, the SHA-256 of each
// worker file, and a version hashed from all their contents. Every file the dashboard needs
// (the page, the lean worker, the CSS, the sample) is cached on install under a cache named
// after that version. The full worker (Brotli, about 1.9 MB gzip, needed only for
// Brotli-compressed files) is `lazy`: not fetched on install, but stored in the same cache the
// first time a page asks for it, so a Brotli file opens offline once one has been opened online.
//
// Network first, cache as the fallback: while the network answers, pages and files come from it,
// so a returning visitor gets the server's current headers (a Content-Security-Policy or
// `frame-ancestors` added later) and the current build's page with the current build's workers.
// Only when the network fails (offline) do they come from the cache, all from one build. The
// network's answers are never stored, except a lazy file on first use, and only when its SHA-256
// is this build's: a full worker of another build (the server updated while an old tab was
// open) is never cached, so offline a page never starts a worker of another build. The install
// checks the precached worker files the same way and fails (to retry on the next visit) if they
// are not this build's. Anything else (files the user opens, `?src=` URLs, range requests,
// embed-config.json) goes to the network untouched and is never stored.
//
// A new build installs in the background and takes over once no tab shows the old one (on
// activate the old build's cache is deleted). Only the very first install takes control at once,
// so a first visit already works offline.
//
// Paths are relative to this file, which sits next to index.html: the app works under any
// sub-path, and caches of apps under other paths of the same origin are left alone.

const PRECACHE = { version: 'dev', files: [], lazy: [], hashes: {} }; // replaced by xtask/sw_manifest.mjs

const SCOPE = new URL('./', self.location).href;
const CACHE_PREFIX = `coursepulse:${new URL(SCOPE).pathname}:`;
const CACHE = CACHE_PREFIX + PRECACHE.version;
const PRECACHED = new Set(PRECACHE.files.map((file) => new URL(file, SCOPE).href));
const LAZY = new Set(PRECACHE.lazy.map((file) => new URL(file, SCOPE).href));
const HASHES = new Map(Object.entries(PRECACHE.hashes ?? {}).map(([file, hash]) => [new URL(file, SCOPE).href, hash]));
const INDEX = new URL('index.html', SCOPE).href;

/// Whether `response`'s body is the file this build hashed as `url` (true for files not hashed).
async function isThisBuilds(url, response) {
  const expected = HASHES.get(url);
  if (!expected) return true;
  const digest = await crypto.subtle.digest('SHA-256', await response.clone().arrayBuffer());
  const hex = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return hex === expected;
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      for (const url of PRECACHED) {
        // `reload`: straight from the server, not from the HTTP cache of an older build.
        const response = await fetch(new Request(url, { cache: 'reload' }));
        if (!response.ok) throw new Error(`CoursePulse offline cache: ${url} answered ${response.status}`);
        if (!(await isThisBuilds(url, response))) {
          throw new Error(`CoursePulse offline cache: ${url} is not this build's; the next visit tries again`);
        }
        await cache.put(url, response);
      }
      if (!self.registration.active) await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || request.headers.has('range')) return;
  const url = new URL(request.url);
  url.hash = '';
  // A page address (`./`, `./?src=sample&course=X`) is the app's index.html; the query is the
  // app's business. Assets are matched without their query.
  url.search = '';
  let key = url.href;
  if (request.mode === 'navigate' && key === SCOPE) key = INDEX;
  if (!PRECACHED.has(key) && !LAZY.has(key)) return;
  event.respondWith(
    (async () => {
      let response;
      try {
        response = await fetch(request);
      } catch (offline) {
        const cached = await caches.match(key, { cacheName: CACHE });
        if (cached) return cached;
        throw offline;
      }
      // A lazy file is kept from its first use on, when it is this build's; a precached one
      // stays as the install stored it.
      if (LAZY.has(key) && response.ok && !(await caches.match(key, { cacheName: CACHE }))) {
        if (await isThisBuilds(key, response)) {
          const cache = await caches.open(CACHE);
          await cache.put(key, response.clone());
        }
      }
      return response;
    })(),
  );
});
