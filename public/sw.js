// fieldkit service worker: keeps the app shell (index.html and the hashed build
// files it names) in a cache so the app opens with no network after the first visit.
// Study data never passes through here: it lives in IndexedDB.
'use strict';

const CACHE = 'fieldkit-shell';
// Files without a content hash in their name: fetched again on every refresh.
const STATIC = ['/manifest.webmanifest', '/register-sw.js', '/no-form-restore.js', '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png',
  // The files web worker (XLSX, REFI-QDA): trunk does not hash worker file names.
  '/fieldkit-files-worker_loader.js', '/fieldkit-files-worker.js', '/fieldkit-files-worker_bg.wasm'];

// The same-origin files an index.html refers to: trunk's hashed js, wasm and css.
function assetsOf(html) {
  const paths = new Set();
  for (const m of html.matchAll(/(?:href|src)=["']([^"']+)["']/g)) {
    const url = new URL(m[1], self.location.origin);
    if (url.origin === self.location.origin && url.pathname !== '/') paths.add(url.pathname);
  }
  // The module script imports the js and wasm by path.
  for (const m of html.matchAll(/['"](\/[^'"\s]+\.(?:js|wasm|css))['"]/g)) paths.add(m[1]);
  return paths;
}

// Caches the build named by `indexResponse` (fetched if not given) and drops older builds' files.
async function refreshShell(indexResponse) {
  const response = indexResponse || (await fetch('/', { cache: 'no-store' }));
  if (!response.ok) throw new Error('index.html: HTTP ' + response.status);
  const html = await response.clone().text();
  const cache = await caches.open(CACHE);
  const hashed = assetsOf(html);
  for (const s of STATIC) hashed.delete(s);
  await Promise.all([...hashed].map(async (path) => {
    if (await cache.match(path)) return;
    const r = await fetch(path, { cache: 'no-store' });
    if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
    await cache.put(path, r);
  }));
  await Promise.all(STATIC.map(async (path) => {
    const r = await fetch(path, { cache: 'no-store' }).catch(() => null);
    if (r && r.ok) await cache.put(path, r);
  }));
  // index.html last: it only points at files that are already cached.
  await cache.put('/', response);
  const keep = new Set(['/', ...STATIC, ...hashed]);
  for (const request of await cache.keys()) {
    if (!keep.has(new URL(request.url).pathname)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(refreshShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === 'navigate') {
    // Network first, so a new build is picked up (and cached) as soon as it is online.
    event.respondWith((async () => {
      try {
        const fresh = await fetch(request, { cache: 'no-store' });
        if (fresh.ok && (fresh.headers.get('content-type') || '').includes('text/html')) {
          event.waitUntil(refreshShell(fresh.clone()).catch(() => {}));
        }
        return fresh;
      } catch (offline) {
        const cached = await caches.match('/');
        return cached || Response.error();
      }
    })());
    return;
  }

  event.respondWith((async () => {
    const cached = await caches.match(url.pathname);
    return cached || fetch(request);
  })());
});
