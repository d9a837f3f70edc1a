// On shift: the technician's state on the server, and while on shift their position, sent about
// once a minute after moving, and as a heartbeat while standing still (a technician parked at a site
// for an hour is still there): the server counts a position older than `location_fresh_minutes`
// (from /meta) as absent and falls back to the home base, so the heartbeat comes well within it.
import { request } from "../shared/api.js";
import { movedEnough } from "../shared/geo.js";
import { getSetting, putSetting } from "./store.js";

export const PING_INTERVAL_MS = 60_000;
export const PING_MIN_MOVE_M = 50;
const MAX_HEARTBEAT_MS = 10 * 60_000;

/** How often a technician standing still confirms their position: a third of the server's freshness. */
export function heartbeatMs(freshMinutes) {
  return Math.max(PING_INTERVAL_MS, Math.min(MAX_HEARTBEAT_MS, ((freshMinutes || 30) * 60_000) / 3));
}

/** Whether a position should be sent now: the first; a minute after the last one and moved; or,
 * standing still, once the heartbeat is due. */
export function shouldPing(last, next, heartbeat = MAX_HEARTBEAT_MS) {
  if (!last) return true;
  const since = next.at - last.at;
  return since >= heartbeat || (since >= PING_INTERVAL_MS && movedEnough(last, next, PING_MIN_MOVE_M));
}

export class ShiftTracker {
  constructor(work, db, freshMinutes) {
    this.work = work;
    this.db = db;
    this.heartbeat = heartbeatMs(freshMinutes);
    this.onShift = false;
    this.watch = null;
    this.beat = null;
    this.denied = false;
  }

  /** The shift state from the server (or the phone's copy offline); resumes pings when on shift. */
  async restore() {
    try {
      const profile = await request("GET", "/me/technician");
      this.onShift = profile.on_shift;
      await putSetting(this.db, "onShift", this.onShift);
    } catch {
      this.onShift = Boolean(await getSetting(this.db, "onShift"));
    }
    if (this.onShift) this.startPings();
  }

  async set(onShift) {
    this.onShift = onShift;
    await putSetting(this.db, "onShift", onShift);
    await this.work.record({
      kind: "shift",
      method: "POST",
      path: "/me/shift",
      body: { on_shift: onShift },
      label: onShift ? "on shift" : "off shift",
    });
    if (onShift) {
      await putSetting(this.db, "lastPing", null); // a new shift starts with a fresh position
      this.startPings();
    } else this.stop();
  }

  /** Watch the position (the browser asks the technician's consent the first time). */
  startPings() {
    if (this.watch !== null || !navigator.geolocation) return;
    // The watch reports only movement: a still phone confirms its last fix on the heartbeat.
    this.beat = setInterval(() => this.stillHere(), PING_INTERVAL_MS);
    this.watch = navigator.geolocation.watchPosition(
      (position) => this.seen(position),
      (error) => {
        this.denied = error.code === error.PERMISSION_DENIED;
        this.work.changed();
      },
      { enableHighAccuracy: false, maximumAge: 0, timeout: 60_000 },
    );
  }

  stop() {
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch);
    clearInterval(this.beat);
    this.watch = null;
    this.beat = null;
  }

  async seen(position) {
    const next = { lat: position.coords.latitude, lon: position.coords.longitude, at: position.timestamp };
    const accuracy = Math.round(position.coords.accuracy);
    await putSetting(this.db, "position", { ...next, accuracy });
    await this.ping(next, accuracy);
  }

  /** The heartbeat: the last fix, still true now, if the watch has reported nothing for a while. */
  async stillHere() {
    const fix = await getSetting(this.db, "position");
    if (fix) await this.ping({ lat: fix.lat, lon: fix.lon, at: Date.now() }, fix.accuracy);
  }

  async ping(next, accuracy) {
    const last = await getSetting(this.db, "lastPing");
    if (!this.onShift || !shouldPing(last, next, this.heartbeat)) return;
    await putSetting(this.db, "lastPing", next);
    const body = { lat: next.lat, lon: next.lon, recorded_at: new Date(next.at).toISOString() };
    if (accuracy != null) body.accuracy_m = accuracy;
    await this.work.record({ kind: "location", method: "POST", path: "/me/location", body, label: "position" });
  }
}

/** The last known position: a fresh fix when location is already allowed, else the phone's copy. */
export async function currentPosition(db) {
  const saved = await getSetting(db, "position");
  try {
    const permission = await navigator.permissions?.query({ name: "geolocation" });
    if (permission?.state !== "granted") return saved ?? null;
    const position = await new Promise((resolve, reject) =>
      navigator.geolocation.getCurrentPosition(resolve, reject, { maximumAge: 60_000, timeout: 5_000 }),
    );
    const fix = { lat: position.coords.latitude, lon: position.coords.longitude, at: position.timestamp };
    await putSetting(db, "position", fix);
    return fix;
  } catch {
    return saved ?? null;
  }
}
