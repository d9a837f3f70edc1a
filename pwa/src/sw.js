// Service worker: the app shell is precached, so the app opens without a network. Pages are
// network-first (a fresh shell when online), built assets cache-first (their names carry a hash).
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const SHELL = `onsite-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("onsite-shell-") && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (event.request.mode === "navigate") {
    event.respondWith(fetch(event.request).catch(() => caches.match("/", { cacheName: SHELL })));
    return;
  }
  event.respondWith(caches.match(event.request, { cacheName: SHELL }).then((hit) => hit ?? fetch(event.request)));
});
