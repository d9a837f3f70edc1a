// The outbox: every change the technician makes goes here first, then to the server in the order
// it was made. Each entry keeps one Idempotency-Key for all its attempts, so an answer lost on the
// way back never makes a second change. Entries survive reloads and closed apps (IndexedDB), and a
// change the server refuses stays, marked, until the technician has read why.

/** Answers that mean "try again later": nothing was applied. */
const TRANSIENT = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Queue a change. `entry`: {kind, method, path, body?, photo?: {blob, name}, jobId?, label}.
 * Returns the stored entry (with its sequence number, key and time of the deed).
 */
export async function enqueue(db, entry, { now = new Date(), key = crypto.randomUUID() } = {}) {
  const stored = { ...entry, key, createdAt: now.toISOString(), state: "pending", attempts: 0 };
  stored.seq = await db.add("outbox", stored);
  return stored;
}

export async function entries(db) {
  return db.getAll("outbox");
}

export async function dismiss(db, seq) {
  const entry = await db.get("outbox", seq);
  if (entry?.state === "refused") await db.delete("outbox", seq);
}

/** Run `work` holding the outbox lock, so a page and the service worker never replay at once. */
export function withOutboxLock(work) {
  const locks = globalThis.navigator?.locks;
  return locks ? locks.request("onsite-outbox", work) : work();
}

/**
 * Send the waiting entries in order through `send(entry)`, which resolves to {ok, status, body}
 * or throws when the network fails. Stops at the first network failure or transient answer
 * (the rest keeps its order), or at 401 (signed out). A refusal (404, 409, 422 ...) is kept as
 * `refused` with the server's reason, and the replay goes on with the next entry.
 * Returns {applied, refused, stopped: null | "offline" | "unavailable" | "signed_out"}.
 *
 * Each entry is sent with `offlineSince`: when the oldest change still waiting was queued, i.e. since
 * when the phone could not reach the server. The server checks each deed's time against it
 * (X-Offline-Since): a change dated before it, or long before it is sent without it, is flagged.
 */
export async function replay(db, send, { onApplied = () => {}, onRefused = () => {} } = {}) {
  const summary = { applied: 0, refused: 0, stopped: null };
  const waiting = (await entries(db)).filter((entry) => entry.state === "pending");
  const offlineSince = waiting[0]?.createdAt;
  for (const entry of waiting) {
    let result;
    try {
      result = await send({ ...entry, offlineSince });
    } catch {
      await db.put("outbox", { ...entry, attempts: entry.attempts + 1 });
      summary.stopped = "offline";
      break;
    }
    if (result.ok) {
      await db.delete("outbox", entry.seq);
      summary.applied += 1;
      await onApplied(entry, result.body);
    } else if (result.status === 401) {
      summary.stopped = "signed_out";
      break;
    } else if (TRANSIENT.has(result.status)) {
      await db.put("outbox", { ...entry, attempts: entry.attempts + 1 });
      summary.stopped = "unavailable";
      break;
    } else {
      const error = result.body?.error ?? {};
      const refused = {
        ...entry,
        state: "refused",
        error: { status: result.status, code: error.code, message: error.message ?? "" },
      };
      await db.put("outbox", refused);
      summary.refused += 1;
      await onRefused(refused);
    }
  }
  return summary;
}
