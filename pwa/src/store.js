// The phone's copy of the technician's work, in IndexedDB (through `idb`): the jobs as last seen
// (with the changes made on the phone applied), the outbox of changes waiting for the server, and
// a few settings (the signed-in user, the status machine, the last position).
import { openDB } from "idb";

export const DB_NAME = "onsite";

export function openStore(name = DB_NAME) {
  return openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore("jobs", { keyPath: "id" });
      db.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("settings");
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
 * The server's list of my jobs replaces the phone's, except jobs with changes still waiting in the
 * outbox: the phone's copy of those is newer until the outbox drains.
 */
export async function replaceJobs(db, serverJobs, keepIds) {
  const tx = db.transaction("jobs", "readwrite");
  const fresh = new Map(serverJobs.map((job) => [job.id, job]));
  for (const old of await tx.store.getAll()) {
    if (keepIds.has(old.id)) continue;
    if (!fresh.has(old.id)) await tx.store.delete(old.id);
  }
  for (const job of serverJobs) {
    if (keepIds.has(job.id)) continue;
    const old = await tx.store.get(job.id);
    await tx.store.put({ ...old, ...job });
  }
  await tx.done;
}

export async function clearAll(db) {
  const tx = db.transaction(["jobs", "outbox", "settings"], "readwrite");
  await Promise.all([tx.objectStore("jobs").clear(), tx.objectStore("outbox").clear(), tx.objectStore("settings").clear()]);
  await tx.done;
}
