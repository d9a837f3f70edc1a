// The outbox in a real IndexedDB implementation (fake-indexeddb): order, one key per change across
// attempts, stops on network failure, keeps refusals until dismissed, survives a reopen.
import "fake-indexeddb/auto";
import assert from "node:assert/strict";
import { test } from "node:test";

import { dismiss, enqueue, entries, replay } from "../src/technician/outbox.js";
import { listJobs, openStore, putJob, replaceJobs } from "../src/technician/store.js";

let n = 0;
const freshStore = () => openStore(`onsite-test-${++n}`);
const note = (jobId, text) => ({
  kind: "log",
  method: "POST",
  path: `/work-orders/${jobId}/logs`,
  body: { kind: "note", text },
  jobId,
  label: text,
});

/** A server stand-in: answers from a script, records what arrived, fails the network on "down". */
function server(script) {
  const seen = [];
  const send = async (entry) => {
    const answer = script.shift() ?? 201;
    if (answer === "down") throw new TypeError("Failed to fetch");
    seen.push({ key: entry.key, text: entry.body?.text });
    const body =
      answer < 400 ? { ok: true } : { error: { code: answer === 404 ? "not_found" : "conflict", message: "no" } };
    return { ok: answer < 400, status: answer, body };
  };
  return { send, seen };
}

test("entries replay in the order they were made, each once, and leave the outbox", async () => {
  const db = await freshStore();
  for (const text of ["arrive", "note", "photo"]) await enqueue(db, note(1, text));
  const api = server([]);
  const summary = await replay(db, api.send);
  assert.deepEqual(summary, { applied: 3, refused: 0, stopped: null });
  assert.deepEqual(
    api.seen.map((s) => s.text),
    ["arrive", "note", "photo"],
  );
  assert.equal(new Set(api.seen.map((s) => s.key)).size, 3);
  assert.deepEqual(await entries(db), []);
});

test("a network failure stops the replay; the retry sends the rest with the same keys, in order", async () => {
  const db = await freshStore();
  for (const text of ["a", "b", "c"]) await enqueue(db, note(1, text));
  const keys = (await entries(db)).map((e) => e.key);
  const api = server([201, "down"]);
  assert.deepEqual(await replay(db, api.send), { applied: 1, refused: 0, stopped: "offline" });
  assert.deepEqual(
    (await entries(db)).map((e) => [e.body.text, e.attempts]),
    [
      ["b", 1],
      ["c", 0],
    ],
  );
  assert.deepEqual(await replay(db, api.send), { applied: 2, refused: 0, stopped: null });
  assert.deepEqual(
    api.seen.map((s) => s.key),
    keys,
  );
});

test("a 503 or 429 is transient: nothing is marked refused and the order holds", async () => {
  const db = await freshStore();
  await enqueue(db, note(1, "a"));
  await enqueue(db, note(1, "b"));
  const api = server([503]);
  assert.equal((await replay(db, api.send)).stopped, "unavailable");
  assert.deepEqual(
    (await entries(db)).map((e) => e.state),
    ["pending", "pending"],
  );
  assert.equal((await replay(db, server([429]).send)).stopped, "unavailable");
});

test("a refusal is kept with the server's reason until dismissed; later entries still go", async () => {
  const db = await freshStore();
  await enqueue(db, note(1, "arrive at a reassigned job"));
  await enqueue(db, note(2, "note on another job"));
  const refusedSeen = [];
  const api = server([404, 201]);
  const summary = await replay(db, api.send, { onRefused: (entry) => refusedSeen.push(entry.label) });
  assert.deepEqual(summary, { applied: 1, refused: 1, stopped: null });
  const [kept] = await entries(db);
  assert.equal(kept.state, "refused");
  assert.deepEqual(kept.error, { status: 404, code: "not_found", message: "no" });
  assert.deepEqual(refusedSeen, ["arrive at a reassigned job"]);
  assert.equal((await replay(db, api.send)).applied, 0, "a refused entry is not sent again");
  await dismiss(db, kept.seq);
  assert.deepEqual(await entries(db), []);
});

test("401 stops the replay and keeps everything for after the next login", async () => {
  const db = await freshStore();
  await enqueue(db, note(1, "a"));
  assert.equal((await replay(db, server([401]).send)).stopped, "signed_out");
  assert.equal((await entries(db))[0].state, "pending");
});

test("the outbox survives closing and reopening the database (an app restart)", async () => {
  const name = `onsite-test-${++n}`;
  const first = await openStore(name);
  const stored = await enqueue(first, note(7, "made offline"), { now: new Date("2026-11-23T09:30:00Z") });
  first.close();
  const again = await openStore(name);
  const [entry] = await entries(again);
  assert.equal(entry.key, stored.key);
  assert.equal(entry.createdAt, "2026-11-23T09:30:00.000Z");
});

test("the server's copy replaces the phone's, except for jobs with changes still waiting", async () => {
  const db = await freshStore();
  await putJob(db, { id: 1, status: "on_site", title: "changed offline" });
  await putJob(db, { id: 2, status: "accepted", title: "untouched" });
  await putJob(db, { id: 3, status: "assigned", title: "reassigned away" });
  await enqueue(db, note(1, "arrive"));
  const server = [
    { id: 1, status: "accepted", title: "stale" },
    { id: 2, status: "en_route", title: "untouched" },
  ];
  await replaceJobs(db, server, new Map([[2, { id: 2, logs: ["from the detail"] }]]));
  const jobs = Object.fromEntries((await listJobs(db)).map((job) => [job.id, job]));
  assert.equal(jobs[1].status, "on_site");
  assert.equal(jobs[2].status, "en_route");
  assert.deepEqual(jobs[2].logs, ["from the detail"]);
  assert.equal(jobs[3], undefined, "a job no longer mine leaves the phone");

  const [waiting] = await entries(db);
  await replay(db, serverAnswering(404));
  await replaceJobs(db, server, new Map());
  assert.equal(
    (await listJobs(db)).find((job) => job.id === 1).status,
    "accepted",
    "a refused change holds nothing back",
  );
  assert.equal((await entries(db))[0].seq, waiting.seq);
});

function serverAnswering(status) {
  return async () => ({ ok: false, status, body: { error: { code: "not_found", message: "gone" } } });
}

test("every replayed change says since when the phone could not send: the oldest waiting change's time", async () => {
  const db = await freshStore();
  const queued = ["2026-11-23T12:30:00.000Z", "2026-11-23T12:40:00.000Z", "2026-11-23T13:30:00.000Z"];
  for (const [i, at] of queued.entries()) await enqueue(db, note(1, `change ${i}`), { now: new Date(at) });
  const sent = [];
  const send = async (entry) => {
    sent.push(entry.offlineSince);
    return { ok: true, status: 201, body: {} };
  };
  await replay(db, send);
  assert.deepEqual(sent, [queued[0], queued[0], queued[0]]);
  assert.equal((await entries(db)).length, 0);
});
