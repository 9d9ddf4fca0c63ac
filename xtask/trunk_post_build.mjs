// Trunk's post-build hook (Trunk.toml [[hooks]]): makes the built pages pass the strict
// Content-Security-Policy of index.html's <meta http-equiv>, writes embed.html and its
// embed-config.json, and last writes
// the service worker with the whole build's file list (sw_manifest.mjs).
//
// Trunk starts the app with an inline <script type="module">, which `script-src 'self'` forbids.
// Its nonce option needs a server that makes a nonce per response, and a hash would have to be
// recomputed into the policy on every build, so instead the script moves, unchanged, into
// boot-<hash>.js next to index.html. embed.html is the same page with data-layout="embed" on
// <html> (the app reads it and lays out the compact dashboard), so both share one build.
//
// Fails the build when an inline script is left, when the policy is missing, or when it allows
// 'unsafe-inline' or 'unsafe-eval' scripts.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { writeServiceWorker } from './sw_manifest.mjs';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) {
  console.error('trunk_post_build.mjs runs as a Trunk hook (TRUNK_STAGING_DIR is not set)');
  process.exit(2);
}
const base = process.env.TRUNK_PUBLIC_URL ?? './';
const indexPath = join(staging, 'index.html');
let html = readFileSync(indexPath, 'utf8');

function fail(message) {
  console.error(`trunk_post_build.mjs: ${message}`);
  process.exit(1);
}

const policy = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html)?.[1];
if (!policy) fail('index.html has no <meta http-equiv="Content-Security-Policy">');
const scriptSrc = /(?:^|;)\s*script-src([^;]*)/.exec(policy)?.[1] ?? '';
if (/'unsafe-(inline|eval)'/.test(scriptSrc)) fail(`script-src must not allow unsafe-inline or unsafe-eval: ${scriptSrc.trim()}`);

// Every <script> without a src attribute is inline: Trunk's module that starts the app, and
// under `trunk serve` its classic auto-reload script. Each keeps its attributes (module or
// classic) and gets a src.
const inline = /<script\b(?![^>]*\bsrc=)([^>]*)>([\s\S]*?)<\/script>/gi;
let modules = 0;
html = html.replace(inline, (_whole, attributes, rawBody) => {
  const module = /type="module"/.test(attributes);
  if (module) modules += 1;
  // `trunk serve` fills the reload script's socket address only inside HTML responses; moved
  // into a file, the placeholder would stay and the socket URL break the CSP's connect-src.
  // The page's own host and Trunk's serve base ("/" for public_url "./") are what it would fill.
  const body = rawBody
    .replace(/(['"`])\{\{__TRUNK_ADDRESS__\}\}\1/g, 'window.location.host')
    .replace(/\{\{__TRUNK_WS_BASE__\}\}/g, '/');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const name = `${module ? 'boot' : 'inline'}-${hash}.js`;
  writeFileSync(join(staging, name), `${body.trim()}\n`);
  return `<script${attributes} src="${base}${name}"></script>`;
});
if (modules === 0) fail("found no inline module script from Trunk to move: has Trunk's output changed?");
const moved = modules;
// Trunk puts `integrity` on the wasm's `<link rel="preload" as="fetch">`, which Chromium ignores
// with a console warning ("ignored for preload destinations that do not support subresource
// integrity"); the module script keeps its integrity, and the wasm comes from the same origin
// under the CSP.
html = html.replace(/<link\b[^>]*\brel="preload"[^>]*>/gi, (link) => (/\bas="fetch"/.test(link) ? link.replace(/\s+integrity="[^"]*"/, '') : link));
writeFileSync(indexPath, html);

// Trunk's worker loader shims call `wasm_bindgen("./x_bg.wasm")`, which wasm-bindgen 0.2.130
// warns is deprecated; it wants `{ module_or_path }`. Rewritten here, before the service worker
// hashes the files.
for (const name of readdirSync(staging).filter((file) => file.endsWith('_loader.js'))) {
  const path = join(staging, name);
  const shim = readFileSync(path, 'utf8');
  const fixed = shim.replace(/wasm_bindgen\(\s*(['"][^'"]+\.wasm['"])\s*\)/, 'wasm_bindgen({ module_or_path: $1 })');
  if (fixed === shim) fail(`${name}: no wasm_bindgen("...wasm") call to rewrite: has Trunk's loader shim changed?`);
  writeFileSync(path, fixed);
}

const embed = html
  .replace(/<html\b([^>]*)>/i, '<html$1 data-layout="embed">')
  .replace(/<title>[^<]*<\/title>/i, '<title>CoursePulse (embedded)</title>');
if (!embed.includes('data-layout="embed"')) fail('index.html has no <html> element to mark as the embed');
writeFileSync(join(staging, 'embed.html'), embed);

// Who may embed embed.html (src/embed_policy.rs reads it): the origins in
// COURSEPULSE_EMBED_ORIGINS (comma-separated), else none but the app's own. A deployer may
// overwrite the file next to embed.html at any time; the service worker never caches it.
const origins = (process.env.COURSEPULSE_EMBED_ORIGINS ?? '')
  .split(',')
  .map((origin) => origin.trim())
  .filter(Boolean);
for (const origin of origins) {
  if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin)) {
    fail(`COURSEPULSE_EMBED_ORIGINS: ${JSON.stringify(origin)} is not an origin like https://lms.example.edu`);
  }
}
writeFileSync(join(staging, 'embed-config.json'), `${JSON.stringify({ allowedOrigins: origins }, null, 2)}\n`);
console.log(
  `trunk_post_build.mjs: moved ${moved} start-up script(s) to boot-*.js; wrote embed.html, embed-config.json (${origins.length ? origins.join(', ') : 'same origin only'})`,
);

// Last, so the precache list holds boot-*.js and embed.html too.
writeServiceWorker(staging);
