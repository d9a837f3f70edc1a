// The API client: CSRF token from the login, an Idempotency-Key on every change, errors as ApiError.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApiError, change, logIn, request } from "../src/shared/api.js";

function fakeFetch(responses) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, ...init });
    const [status, body] = responses.shift();
    return { ok: status < 400, status, json: async () => body };
  };
  return { calls, impl };
}

test("a change carries the session's CSRF token and a fresh Idempotency-Key", async () => {
  const server = fakeFetch([
    [200, { csrf_token: "tok-1", user: { id: 7 } }],
    [201, { id: 1 }],
    [201, { id: 2 }],
  ]);
  assert.deepEqual(await logIn("t@x", "pw", { fetchImpl: server.impl }), { id: 7 });
  await change("POST", "/work-orders/1/logs", { kind: "note" }, { fetchImpl: server.impl });
  await change("POST", "/work-orders/1/logs", { kind: "note" }, { fetchImpl: server.impl });
  const [login, first, second] = server.calls;
  assert.equal(login.headers["Idempotency-Key"], undefined);
  assert.equal(first.url, "/api/v1/work-orders/1/logs");
  assert.equal(first.headers["X-CSRF-Token"], "tok-1");
  assert.match(first.headers["Idempotency-Key"], /^[0-9a-f-]{36}$/);
  assert.notEqual(first.headers["Idempotency-Key"], second.headers["Idempotency-Key"]);
  assert.equal(first.body, JSON.stringify({ kind: "note" }));
});

test("a replay keeps the key it was given", async () => {
  const server = fakeFetch([[200, {}]]);
  await change("POST", "/x", {}, { idempotencyKey: "same-key", fetchImpl: server.impl });
  assert.equal(server.calls[0].headers["Idempotency-Key"], "same-key");
});

test("errors come back as ApiError with the contract's code and fields", async () => {
  const server = fakeFetch([[422, { error: { code: "validation_error", message: "Bad", fields: { kind: ["?"] } } }]]);
  await assert.rejects(request("POST", "/x", {}, { fetchImpl: server.impl }), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 422);
    assert.equal(error.code, "validation_error");
    assert.deepEqual(error.fields, { kind: ["?"] });
    return true;
  });
});

test("send replays an outbox entry with its own key and fetches a CSRF token when it has none", async () => {
  const { send } = await import("../src/shared/api.js");
  const server = fakeFetch([
    [403, { error: { code: "csrf_failed", message: "?" } }],
    [200, { csrf_token: "tok-2", user: { id: 7 } }],
    [201, { id: 3 }],
  ]);
  const entry = { method: "POST", path: "/work-orders/1/logs", body: { kind: "note", text: "x" }, key: "k-1" };
  const result = await send(entry, { fetchImpl: server.impl });
  assert.deepEqual(result, { ok: true, status: 201, body: { id: 3 } });
  const [refused, me, retried] = server.calls;
  assert.equal(refused.headers["Idempotency-Key"], "k-1");
  assert.equal(me.url, "/api/v1/auth/me");
  assert.equal(retried.headers["X-CSRF-Token"], "tok-2");
  assert.equal(retried.headers["Idempotency-Key"], "k-1");
});

test("send throws only when the network fails; a refusal is an answer", async () => {
  const { send } = await import("../src/shared/api.js");
  const down = async () => {
    throw new TypeError("Failed to fetch");
  };
  await assert.rejects(send({ method: "POST", path: "/x", body: {}, key: "k" }, { fetchImpl: down }), TypeError);
  const server = fakeFetch([[409, { error: { code: "conflict", message: "moved" } }]]);
  const result = await send({ method: "POST", path: "/x", body: {}, key: "k" }, { fetchImpl: server.impl });
  assert.equal(result.status, 409);
  assert.equal(result.body.error.code, "conflict");
});

test("a replayed change carries X-Offline-Since, a live one does not", async () => {
  const { send } = await import("../src/shared/api.js");
  const server = fakeFetch([
    [201, {}],
    [201, {}],
  ]);
  const entry = { method: "POST", path: "/work-orders/1/actions/arrive", body: {}, key: "k-9" };
  await send({ ...entry, offlineSince: "2026-11-23T12:30:00.000Z" }, { fetchImpl: server.impl });
  await send(entry, { fetchImpl: server.impl });
  const [replayed, live] = server.calls;
  assert.equal(replayed.headers["X-Offline-Since"], "2026-11-23T12:30:00.000Z");
  assert.equal(live.headers["X-Offline-Since"], undefined);
});

test("a conditional read sends the ETag held and reads 304 as nothing new", async () => {
  const { readIfChanged } = await import("../src/shared/api.js");
  const sent = [];
  const answers = [
    { status: 200, etag: '"v1"', body: { items: [{ id: 1 }], last_id: 1 } },
    { status: 304, etag: '"v1"' },
  ];
  const fetchImpl = async (url, init) => {
    sent.push({ url, ...init });
    const { status, etag, body } = answers.shift();
    const json = async () => (status === 304 ? Promise.reject(new Error("no body")) : body);
    return { ok: status < 400, status, json, headers: new Headers({ ETag: etag }) };
  };
  const first = await readIfChanged("/events", null, { fetchImpl });
  assert.deepEqual(first, { status: 200, body: { items: [{ id: 1 }], last_id: 1 }, etag: '"v1"' });
  assert.equal(sent[0].headers["If-None-Match"], undefined);
  const second = await readIfChanged("/events?after=1", first.etag, { fetchImpl });
  assert.deepEqual(second, { status: 304, body: null, etag: '"v1"' });
  assert.equal(sent[1].url, "/api/v1/events?after=1");
  assert.equal(sent[1].headers["If-None-Match"], '"v1"');
});

test("the portal's session token goes with its changes, not with its reads", async () => {
  const { exchange, keepCsrfToken } = await import("../src/shared/api.js");
  const server = fakeFetch([
    [200, {}],
    [201, { id: 4 }],
  ]);
  keepCsrfToken("portal-tok");
  await exchange("GET", "/portal/me", { fetchImpl: server.impl });
  const created = await exchange("POST", "/portal/requests", { json: { title: "x" }, fetchImpl: server.impl });
  assert.deepEqual(created, { ok: true, status: 201, body: { id: 4 } });
  assert.equal(server.calls[0].headers["X-CSRF-Token"], undefined);
  assert.equal(server.calls[1].headers["X-CSRF-Token"], "portal-tok");
  keepCsrfToken(null);
});
