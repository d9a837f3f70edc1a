// The app's data layer: the phone's copy of my jobs (IndexedDB), refreshed from the network when
// there is one, and every change recorded through the outbox, applied to the phone's copy at once
// and sent to the server in order.
import { request, send } from "../shared/api.js";
import { dismiss, enqueue, entries, replay, withOutboxLock } from "./outbox.js";
import { getJob, getSetting, listJobs, putJob, putSetting, replaceJobs } from "./store.js";
import { applyLocally } from "../shared/workflow.js";

export const MY_STATUSES = "assigned,accepted,en_route,on_site,on_hold,completed";
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 60_000;
const PRIORITY_RANK = { urgent: 0, high: 1, normal: 2, low: 3 };

export function mostUrgentFirst(jobs) {
  const rank = (job) => [
    job.status === "completed" ? 1 : 0,
    PRIORITY_RANK[job.priority] ?? 9,
    job.response_due_at ?? "",
  ];
  return [...jobs].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
  });
}

/**
 * `task()` one at a time: a call while it runs gets one more run after it (not one per call), so
 * what was asked for meanwhile (a change queued during a replay, a refresh during a refresh) is
 * never left for the next timer.
 */
function oneAtATime(task) {
  let running = null;
  let again = null;
  const run = () => {
    running = task().finally(() => {
      running = null;
    });
    return running;
  };
  return () => {
    if (!running) return run();
    again ??= running
      .catch(() => {})
      .then(() => {
        again = null;
        return run();
      });
    return again;
  };
}

/** The server's copy of a job of mine (it replaces what the phone changed offline). */
const mine = (job) => ({ ...job, mine: true, changedOffline: false, localPhotos: [] });

export class Work {
  constructor(db) {
    this.db = db;
    this.listeners = new Set();
    this.syncing = false;
    this.syncOnce = oneAtATime(() => this.replayOutbox());
    this.refreshOnce = oneAtATime(() => this.fetchJobs());
    this.lastSummary = null;
    this.retryTimer = null;
    this.retryDelay = RETRY_FIRST_MS;
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed() {
    for (const listener of this.listeners) listener();
  }

  jobs() {
    return listJobs(this.db).then(mostUrgentFirst);
  }

  job(id) {
    return getJob(this.db, id);
  }

  outbox() {
    return entries(this.db);
  }

  /** Read the status machine and travel speed: from the server when it answers, else the copy. */
  async meta() {
    try {
      const meta = await request("GET", "/meta");
      await putSetting(this.db, "meta", meta);
      return meta;
    } catch (error) {
      const saved = await getSetting(this.db, "meta");
      if (saved) return saved;
      throw error;
    }
  }

  /** The skills vocabulary, for skills shown by name: refreshed with the jobs, kept for offline. */
  async skills() {
    return (await getSetting(this.db, "skills")) ?? [];
  }

  /** My jobs and each one's detail from the server, one refresh at a time. */
  refresh() {
    return this.refreshOnce();
  }

  async fetchJobs() {
    const page = await request("GET", `/work-orders?status=${MY_STATUSES}&per_page=200`);
    // A job's detail is fetched again only when it changed: every change to a work order bumps
    // its version, so an unchanged version means the phone's timeline, logs and photos are current.
    const stale = [];
    for (const job of page.items) {
      const copy = await getJob(this.db, job.id);
      if (!copy?.events || copy.changedOffline || copy.version !== job.version) stale.push(job);
    }
    const details = new Map();
    await Promise.all(
      stale.map((job) =>
        request("GET", `/work-orders/${job.id}`).then(
          (detail) => details.set(job.id, mine(detail)),
          () => {},
        ),
      ),
    );
    await replaceJobs(this.db, page.items.map(mine), details);
    await request("GET", "/skills?per_page=200").then(
      (vocabulary) => putSetting(this.db, "skills", vocabulary.items),
      () => {}, // the copy kept from the last time stays
    );
    await putSetting(this.db, "refreshedAt", new Date().toISOString());
    this.changed();
  }

  /**
   * Record a change: into the outbox, onto the phone's copy of the job (`update(job)` returns the
   * new copy), then a sync attempt. The time of the deed is now, on the phone's clock.
   */
  async record(entry, update) {
    const at = new Date();
    const stored = await enqueue(this.db, entry, { now: at });
    if (entry.jobId != null && update) {
      const job = await getJob(this.db, entry.jobId);
      if (job) await putJob(this.db, update(job, stored));
    }
    this.changed();
    this.requestBackgroundSync();
    this.sync().catch(() => {});
    return stored;
  }

  /** An action (accept, arrive, complete ...) with its parameters. */
  act(job, action, params, meta) {
    const occurredAt = new Date().toISOString();
    return this.record(
      {
        kind: "action",
        action,
        method: "POST",
        path: `/work-orders/${job.id}/actions/${action}`,
        body: { ...params, occurred_at: occurredAt },
        jobId: job.id,
        number: job.number,
        label: `${action} · ${job.number}`,
      },
      (current) => applyLocally(current, action, params, occurredAt, meta),
    );
  }

  /**
   * Send a refused change to the dispatcher (it goes on the job's timeline, applied to nothing);
   * once delivered it leaves the phone. Resolves to {ok, offline?, status?, message?}. The key
   * derives from the change's own, so a second tap after a lost answer delivers it once.
   */
  async forwardRefused(entry) {
    let result;
    try {
      result = await send(forwardRequest(entry));
    } catch {
      return { ok: false, offline: true };
    }
    if (!result.ok) return { ok: false, status: result.status, message: result.body?.error?.message };
    await dismiss(this.db, entry.seq);
    this.changed();
    return { ok: true };
  }

  /** Send what waits, in order (one replay at a time across the page and the service worker). */
  sync() {
    return this.syncOnce();
  }

  async replayOutbox() {
    this.syncing = true;
    this.changed();
    try {
      const summary = await withOutboxLock(() => replay(this.db, send, { onRefused: () => this.changed() }));
      this.lastSummary = summary;
      this.retryLater(summary.stopped === "offline" || summary.stopped === "unavailable");
      if (summary.applied || summary.refused) await this.refresh().catch(() => {});
      return summary;
    } finally {
      this.syncing = false;
      this.changed();
    }
  }

  /** A weak signal drops answers: retry soon (2 s, doubling to a minute) rather than at the next
   * refresh; going offline entirely waits for the "online" event instead. */
  retryLater(failed) {
    clearTimeout(this.retryTimer);
    if (!failed) {
      this.retryDelay = RETRY_FIRST_MS;
      return;
    }
    if (globalThis.navigator?.onLine === false) return;
    this.retryTimer = setTimeout(() => this.sync().catch(() => {}), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  /** Ask the service worker to replay when the network returns, even if the app is closed. */
  async requestBackgroundSync() {
    try {
      const registration = await navigator.serviceWorker?.ready;
      await registration?.sync?.register("onsite-outbox");
    } catch {
      // Background Sync is not offered everywhere (Safari, Firefox): the app replays when it opens.
    }
  }
}

const ACTION_PARAMS = ["reason", "resolution", "first_time_fix"];
const SIGNOFF_PARAMS = ["signer_name", "rating", "comment"];

function picked(body, names) {
  return Object.fromEntries(names.filter((name) => body?.[name] != null).map((name) => [name, body[name]]));
}

/** The refused change as a request to `POST /work-orders/{id}/refused-changes` (a photo: `/photo`). */
export function forwardRequest(entry) {
  const base = { method: "POST", path: `/work-orders/${entry.jobId}/refused-changes`, key: `${entry.key}.forwarded` };
  const { status, code = null, message = "" } = entry.error ?? {};
  const refusal = { status, code, message: message.slice(0, 1000) };
  if (entry.kind === "photo") {
    const fields = { idempotency_key: entry.key, ...(status ? { refusal_status: String(status) } : {}) };
    return { ...base, path: `${base.path}/photo`, photo: entry.photo, occurredAt: entry.occurredAt, fields };
  }
  const body = entry.body ?? {};
  const common = { idempotency_key: entry.key, occurred_at: body.occurred_at ?? entry.createdAt, refusal };
  if (entry.kind === "log") {
    return { ...base, body: { ...common, kind: body.kind, text: body.text, minutes: body.minutes, parts: body.parts } };
  }
  if (entry.kind === "signoff") {
    return { ...base, body: { ...common, kind: "signoff", params: picked(body, SIGNOFF_PARAMS) } };
  }
  const action = entry.action ?? entry.path.match(/\/actions\/(\w+)$/)?.[1];
  return { ...base, body: { ...common, kind: "action", action, params: picked(body, ACTION_PARAMS) } };
}
