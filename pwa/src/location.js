// On shift: the technician's state on the server, and while on shift their position, sent about
// once a minute and only after moving, so that dispatch and the scheduler measure from where the
// technician really is (the server falls back to the home base when positions stop coming).
import { request } from "./api.js";
import { movedEnough } from "./geo.js";
import { getSetting, putSetting } from "./store.js";

export const PING_INTERVAL_MS = 60_000;
export const PING_MIN_MOVE_M = 50;

/** Whether a position should be sent now: the first, or a minute after the last one and moved. */
export function shouldPing(last, next) {
  if (!last) return true;
  return next.at - last.at >= PING_INTERVAL_MS && movedEnough(last, next, PING_MIN_MOVE_M);
}

export class ShiftTracker {
  constructor(work, db) {
    this.work = work;
    this.db = db;
    this.onShift = false;
    this.watch = null;
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
    await this.work.record({ kind: "shift", method: "POST", path: "/me/shift", body: { on_shift: onShift }, label: onShift ? "on shift" : "off shift" });
    if (onShift) {
      await putSetting(this.db, "lastPing", null); // a new shift starts with a fresh position
      this.startPings();
    } else this.stop();
  }

  /** Watch the position (the browser asks the technician's consent the first time). */
  startPings() {
    if (this.watch !== null || !navigator.geolocation) return;
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
    this.watch = null;
  }

  async seen(position) {
    const next = { lat: position.coords.latitude, lon: position.coords.longitude, at: position.timestamp };
    await putSetting(this.db, "position", next);
    const last = await getSetting(this.db, "lastPing");
    if (!this.onShift || !shouldPing(last, next)) return;
    await putSetting(this.db, "lastPing", next);
    const body = { lat: next.lat, lon: next.lon, accuracy_m: Math.round(position.coords.accuracy), recorded_at: new Date(next.at).toISOString() };
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
