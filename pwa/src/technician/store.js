// The phone's copy of the technician's work, in IndexedDB (through `idb`): the jobs as last seen
// (with the changes made on the phone applied), the outbox of changes waiting for the server, and
// a few settings (the signed-in user, the status machine, the last position).
import { openDB } from "idb";

export const DB_NAME = "onsite";

export function openStore(name = DB_NAME) {
  return openDB(name, 2, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore("jobs", { keyPath: "id" });
        db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        db.createObjectStore("settings");
      }
      // Version 2: knowledge-base articles kept for offline reading (views/articles.js).
      if (oldVersion < 2) db.createObjectStore("articles", { keyPath: "id" });
    },
    // A newer version of the app (another tab, the service worker) wants to upgrade: let it.
    blocking(_current, _wanted, event) {
      event.target.close();
    },
  });
}

export const getSetting = (db, key) => db.get("settings", key);
export const putSetting = (db, key, value) => db.put("settings", value, key);
export const getJob = (db, id) => db.get("jobs", id);
export const putJob = (db, job) => db.put("jobs", job);

export async function listJobs(db) {
  return (await db.getAll("jobs")).filter((job) => job.mine !== false);
}

/**
 * Jobs with changes still waiting in the outbox: the phone's copy of those is newer than the
 * server's until the outbox drains. Read in the writing transaction, so a change queued while the
 * server's copy was on its way is never overwritten by it.
 */
async function waitingJobIds(tx) {
  const waiting = (await tx.objectStore("outbox").getAll()).filter((e) => e.state === "pending" && e.jobId != null);
  return new Set(waiting.map((e) => e.jobId));
}

/** The server's list of my jobs (and each one's detail, when fetched) replaces the phone's. */
export async function replaceJobs(db, serverJobs, details) {
  const tx = db.transaction(["jobs", "outbox"], "readwrite");
  const jobs = tx.objectStore("jobs");
  const keep = await waitingJobIds(tx);
  const fresh = new Map(serverJobs.map((job) => [job.id, job]));
  for (const old of await jobs.getAll()) {
    if (!keep.has(old.id) && !fresh.has(old.id)) await jobs.delete(old.id);
  }
  for (const job of serverJobs) {
    if (keep.has(job.id)) continue;
    const detail = details.get(job.id);
    await jobs.put(detail ? { ...detail, ...job } : { ...(await jobs.get(job.id)), ...job });
  }
  await tx.done;
}

export async function clearAll(db) {
  const stores = ["jobs", "outbox", "settings", "articles"];
  const tx = db.transaction(stores, "readwrite");
  await Promise.all(stores.map((store) => tx.objectStore(store).clear()));
  await tx.done;
}

// Assets opened from their QR label (views/asset.js), by the label's token: {asset, at}. Kept with
// the settings (no new object store, no version change), cleared with everything else at log-out.
export const getAsset = (db, token) => db.get("settings", `asset:${token}`);
export const putAsset = (db, token, copy) => db.put("settings", copy, `asset:${token}`);

export const getArticle = (db, id) => db.get("articles", id);
export const listArticles = (db) => db.getAll("articles");

/** The server's articles replace the phone's copy in one transaction (none half-replaced). */
export async function replaceArticles(db, articles) {
  const tx = db.transaction("articles", "readwrite");
  await tx.store.clear();
  await Promise.all(articles.map((article) => tx.store.put(article)));
  await tx.done;
}
