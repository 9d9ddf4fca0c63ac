// CoursePulse's service worker: after one visit the dashboard opens, and the bundled sample
// loads, with the network off.
//
// `trunk build` runs xtask/sw_manifest.mjs as a post-build hook, which writes this file into
// dist/ with the PRECACHE line below replaced by the build's file list and a version hashed from
// their contents. Every file the dashboard needs (the page, the lean worker, the CSS, the sample)
// is cached on install under a cache named after that version, and served from it (cache
// first): one build's files always go together, so a page never starts a worker of another
// build. The full worker (Brotli, about 1.9 MB gzip, needed only for Brotli-compressed files) is
// `lazy`: not fetched on install, but stored in the same cache the first time a page asks for
// it, so a Brotli file opens offline once one has been opened online. Anything else (files the
// user opens, `?src=` URLs, range requests) goes to the network untouched and is never stored.
//
// A new build installs in the background and takes over once no tab shows the old one (on
// activate the old build's cache is deleted). Only the very first install takes control at once,
// so a first visit already works offline.
//
// Paths are relative to this file, which sits next to index.html: the app works under any
// sub-path, and caches of apps under other paths of the same origin are left alone.

const PRECACHE = { version: 'dev', files: [], lazy: [] }; // replaced by xtask/sw_manifest.mjs

const SCOPE = new URL('./', self.location).href;
const CACHE_PREFIX = `coursepulse:${new URL(SCOPE).pathname}:`;
const CACHE = CACHE_PREFIX + PRECACHE.version;
const PRECACHED = new Set(PRECACHE.files.map((file) => new URL(file, SCOPE).href));
const LAZY = new Set(PRECACHE.lazy.map((file) => new URL(file, SCOPE).href));
const INDEX = new URL('index.html', SCOPE).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload`: straight from the server, not from the HTTP cache of an older build.
      await cache.addAll([...PRECACHED].map((url) => new Request(url, { cache: 'reload' })));
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
      const cached = await caches.match(key, { cacheName: CACHE });
      if (cached) return cached;
      const response = await fetch(request);
      // A lazy file is kept from its first use on; a precached one missing from the cache (the
      // browser evicted it) is left to the network.
      if (LAZY.has(key) && response.ok) {
        const cache = await caches.open(CACHE);
        await cache.put(key, response.clone());
      }
      return response;
    })(),
  );
});
