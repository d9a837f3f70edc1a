// Service worker: the app shell is precached, so the app opens without a network. Pages are
// network-first (a fresh shell when online), built assets cache-first (their names carry a hash).
// When the network returns, Background Sync wakes this worker to send the outbox, even when the
// app is closed; it takes the same lock as the page, so a change is never sent twice at once.
import { send } from "../shared/api.js";
import { replay, withOutboxLock } from "../technician/outbox.js";
import { openStore } from "../technician/store.js";

// Both are filled in by build.mjs (esbuild `define`) from the build's hashed files.
const VERSION = __VERSION__;
const PRECACHE = __PRECACHE__;
const SHELL = `onsite-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("onsite-shell-") && k !== SHELL).map((k) => caches.delete(k))),
      )
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

async function replayOutbox() {
  const db = await openStore();
  const summary = await withOutboxLock(() => replay(db, send));
  for (const client of await self.clients.matchAll()) client.postMessage({ type: "outbox-replayed", summary });
  // A stop (offline, server unavailable) rejects, so the browser schedules another attempt.
  if (summary.stopped === "offline" || summary.stopped === "unavailable") throw new Error(summary.stopped);
}

self.addEventListener("sync", (event) => {
  if (event.tag === "onsite-outbox") event.waitUntil(replayOutbox());
});

// Web Push (a new job, a job taken away): the server sends the kind, the job's number and title and
// where a tap leads (domain/push.py); the words are the phone's language, as the app's are.
const PUSH_WORDS = {
  en: { assigned: "New job for you", unassigned: "A job was given to another technician" },
  "zh-CN": { assigned: "您有新的工单", unassigned: "一个工单已改派给其他技术员" },
};

self.addEventListener("push", (event) => {
  const data = event.data?.json() ?? {};
  const language = (self.navigator.language ?? "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  const title = PUSH_WORDS[language][data.kind] ?? "OnSite";
  const body = [data.number, data.title].filter(Boolean).join(" ") || data.message || "";
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      tag: data.notification_id ? `onsite-notification-${data.notification_id}` : undefined,
      icon: "/static/icons/icon-192.png",
      data: { url: data.url ?? "/#/notifications" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data?.url ?? "/";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (!open) return self.clients.openWindow(url);
      return open.focus().then((w) => w.navigate?.(url));
    }),
  );
});
