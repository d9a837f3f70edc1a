// Web Push on the technician's phone: a new job or a job taken away wakes the phone, beside the
// notifications list (which stays the record: many phones cannot reach their browser's push service).
import { change, request } from "../shared/api.js";
import { getSetting, putSetting } from "./store.js";

const SETTING = "push-subscription";

/** Whether this browser can receive Web Push at all. */
export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in globalThis && "Notification" in globalThis;
}

function keyBytes(base64url) {
  const text = atob(base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4));
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** The subscription this phone holds with the server ({id, endpoint}), or null. */
export async function currentPush(db) {
  if (!pushSupported()) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  const subscription = await registration?.pushManager.getSubscription();
  const saved = await getSetting(db, SETTING);
  return subscription && saved?.endpoint === subscription.endpoint ? saved : null;
}

// How long to wait for the service worker to be active: where it never becomes so (a phone that
// blocks it, an in-app browser), turning push on says it could not instead of waiting forever.
const READY_WITHIN_MS = 10_000;

function within(promise, ms) {
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms));
  return Promise.race([promise, late]);
}

/** Ask for permission, subscribe with the server's key and tell the server; throws when refused. */
export async function turnPushOn(db) {
  if ((await Notification.requestPermission()) !== "granted") throw new Error("permission");
  const { public_key: key } = await request("GET", "/me/push/key");
  const registration = await within(navigator.serviceWorker.ready, READY_WITHIN_MS);
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key),
  });
  const saved = await change("POST", "/me/push/subscriptions", subscription.toJSON());
  await putSetting(db, SETTING, { id: saved.id, endpoint: saved.endpoint });
  return saved;
}

/** Stop pushes to this phone: the server forgets it, the browser drops its subscription. */
export async function turnPushOff(db) {
  const saved = await getSetting(db, SETTING);
  if (saved) await change("DELETE", `/me/push/subscriptions/${saved.id}`).catch(() => {});
  const registration = await navigator.serviceWorker.getRegistration();
  await (await registration?.pushManager.getSubscription())?.unsubscribe();
  await putSetting(db, SETTING, null);
}
