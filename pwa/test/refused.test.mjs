// What a refused change shows, and how it is sent to the dispatcher.
import assert from "node:assert/strict";
import { test } from "node:test";

import { changeTitle, contentLines, forwardable } from "../src/technician/views/refused.js";
import { forwardRequest } from "../src/technician/work.js";

const refusal = { status: 404, code: "not_found", message: "Work order 7 not found." };
const note = {
  seq: 3,
  key: "k-1",
  kind: "log",
  method: "POST",
  path: "/work-orders/7/logs",
  jobId: 7,
  state: "refused",
  error: refusal,
  label: "note · WO-000007",
  body: { kind: "note", text: "Valve seized", minutes: 15, occurred_at: "2026-11-23T08:50:00.000Z" },
};

test("a refused note shows its words and the job's number, even from an entry without `number`", () => {
  assert.equal(changeTitle(note), "Note · WO-000007");
  assert.deepEqual(contentLines(note), ["Valve seized", "15 min"]);
  assert.ok(forwardable(note));
});

test("a refused note goes to refused-changes with its content, its key and the refusal", () => {
  const request = forwardRequest(note);
  assert.equal(request.path, "/work-orders/7/refused-changes");
  assert.equal(request.key, "k-1.forwarded"); // a second tap replays instead of sending twice
  assert.deepEqual(request.body, {
    kind: "note",
    text: "Valve seized",
    minutes: 15,
    parts: undefined,
    idempotency_key: "k-1",
    occurred_at: "2026-11-23T08:50:00.000Z",
    refusal,
  });
});

test("an action keeps its name and what was typed; parts show their quantity; a photo goes as a form", () => {
  const typed = { resolution: "New valve", first_time_fix: false };
  const complete = { ...note, kind: "action", path: "/work-orders/7/actions/complete", body: typed };
  assert.equal(changeTitle({ ...complete, number: "WO-000007" }), "Action: Complete · WO-000007");
  assert.deepEqual(forwardRequest(complete).body.params, typed);
  assert.equal(forwardRequest(complete).body.action, "complete");
  const parts = { ...note, body: { kind: "part", parts: [{ sku: "V-1", name: "Valve", qty: 2 }] } };
  assert.deepEqual(contentLines(parts), ["2 × Valve (V-1)"]);
  const photo = { ...note, kind: "photo", body: undefined, photo: { blob: "b", name: "photo.jpg" }, occurredAt: "t" };
  const sent = forwardRequest(photo);
  assert.equal(sent.path, "/work-orders/7/refused-changes/photo");
  assert.deepEqual(sent.fields, { idempotency_key: "k-1", refusal_status: "404" });
});

test("a refused change with no job (marking a notification read) can only be dismissed", () => {
  assert.equal(forwardable({ kind: "read", label: "Mark read", error: refusal }), false);
});
