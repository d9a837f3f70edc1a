// The phone's use of the server's status machine, the catalogues, distances and the ping rule.
import assert from "node:assert/strict";
import { test } from "node:test";

import { directionsUrl, distanceKm } from "../src/shared/geo.js";
import { catalogueKeys } from "../src/technician/i18n.js";
import { heartbeatMs, shouldPing } from "../src/technician/location.js";
import { scaledSize } from "../src/shared/photos.js";
import { allowedActions, applyLocally, mayDo, slaCountdown } from "../src/shared/workflow.js";

const meta = {
  actions: [
    { name: "accept", roles: ["technician"], from_statuses: ["assigned"], to_status: "accepted", required: [] },
    {
      name: "decline",
      roles: ["technician"],
      from_statuses: ["assigned", "accepted"],
      to_status: "new",
      required: ["reason"],
    },
    {
      name: "arrive",
      roles: ["technician"],
      from_statuses: ["accepted", "en_route"],
      to_status: "on_site",
      required: [],
    },
    {
      name: "cancel",
      roles: ["admin", "dispatcher"],
      from_statuses: ["assigned", "accepted"],
      to_status: "cancelled",
      required: ["reason"],
    },
  ],
  activities: [
    { name: "log", roles: ["technician"], statuses: ["on_site"] },
    { name: "candidates", roles: ["admin", "dispatcher"], statuses: ["new", "assigned"] },
    { name: "pay", roles: ["admin", "dispatcher", "technician"], statuses: ["completed", "closed"] },
    { name: "draft_article", roles: ["admin", "dispatcher"], statuses: ["completed", "closed"] },
    { name: "customer_report", roles: ["customer"], statuses: ["completed", "closed"] },
  ],
  sla_countdown: { respond: ["new", "assigned", "accepted", "en_route"], resolve: ["on_site", "on_hold"] },
};

test("offline, the buttons come from the table for the technician's role only", () => {
  assert.deepEqual(allowedActions({ status: "accepted", changedOffline: true }, meta), ["decline", "arrive"]);
  assert.deepEqual(allowedActions({ status: "accepted", allowed_actions: ["arrive"] }, meta), ["arrive"]);
});

test("an action done offline moves the phone's copy and stamps the time of the deed", () => {
  const job = { status: "accepted", arrived_at: null, events: [] };
  const after = applyLocally(job, "arrive", {}, "2026-11-23T10:00:00Z", meta);
  assert.equal(after.status, "on_site");
  assert.equal(after.arrived_at, "2026-11-23T10:00:00Z");
  assert.equal(after.events.at(-1).pending, true);
  assert.ok(mayDo("log", after, meta));
  assert.equal(applyLocally(job, "decline", { reason: "x" }, "2026-11-23T10:00:00Z", meta).mine, false);
});

test("what a role may record on a job comes from meta's activities", () => {
  assert.ok(mayDo("candidates", { status: "assigned" }, meta, "dispatcher"));
  assert.ok(!mayDo("candidates", { status: "on_site" }, meta, "dispatcher"));
  assert.ok(!mayDo("candidates", { status: "assigned" }, meta), "the technician's role by default");
});

test("the console's payment, draft article and customer's report follow meta's activities for a done job", () => {
  for (const status of ["completed", "closed"]) {
    assert.ok(mayDo("pay", { status }, meta, "dispatcher"));
    assert.ok(mayDo("draft_article", { status }, meta, "admin"));
    assert.ok(mayDo("customer_report", { status }, meta, "customer"));
  }
  assert.ok(!mayDo("pay", { status: "on_site" }, meta, "dispatcher"));
  assert.ok(!mayDo("draft_article", { status: "on_hold" }, meta, "dispatcher"));
  assert.ok(!mayDo("customer_report", { status: "on_site" }, meta, "customer"), "a report of work in hand");
  assert.ok(!mayDo("draft_article", { status: "closed" }, meta, "technician"));
});

test("the SLA timer counts to the response until on site, then to the resolution, none once done", () => {
  const due = { response_due_at: "2026-11-23T11:00:00Z", resolve_due_at: "2026-11-23T14:00:00Z" };
  const now = Date.parse("2026-11-23T10:00:00Z");
  assert.deepEqual(slaCountdown({ ...due, status: "en_route" }, meta, now), { responding: true, minutes: 60 });
  assert.deepEqual(slaCountdown({ ...due, status: "on_hold" }, meta, now), { responding: false, minutes: 240 });
  assert.equal(slaCountdown({ ...due, status: "completed" }, meta, now), null);
  assert.equal(slaCountdown({ status: "new", response_due_at: null }, meta, now), null);
  assert.equal(
    slaCountdown({ ...due, status: "new" }, { ...meta, sla_countdown: undefined }, now),
    null,
    "an old meta",
  );
});

test("English and Chinese catalogues carry the same keys", () => {
  const keys = catalogueKeys();
  assert.deepEqual(keys["zh-CN"], keys.en);
});

test("directions open the phone's own maps app", () => {
  const site = { lat: 31.2304, lon: 121.4737 };
  assert.equal(
    directionsUrl(site, "Mozilla/5.0 (Linux; Android 14; Pixel 7)"),
    "geo:31.2304,121.4737?q=31.2304,121.4737",
  );
  assert.match(
    directionsUrl(site, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"),
    /^https:\/\/maps\.apple\.com\/\?daddr=31\.2304,121\.4737/,
  );
  assert.match(
    directionsUrl(site, "Mozilla/5.0 (X11; Linux x86_64)"),
    /^https:\/\/www\.google\.com\/maps\/dir\/\?api=1&destination=31\.2304,121\.4737/,
  );
});

test("distance: Shanghai People's Square to the Bund is about 1.9 km", () => {
  const km = distanceKm({ lat: 31.2304, lon: 121.4737 }, { lat: 31.24, lon: 121.49 });
  assert.ok(km > 1.8 && km < 1.95, `got ${km}`);
});

test("positions are sent about once a minute and only after moving", () => {
  const first = { lat: 31.23, lon: 121.47, at: 0 };
  assert.ok(shouldPing(null, first));
  assert.ok(!shouldPing(first, { lat: 31.24, lon: 121.47, at: 30_000 }), "too soon");
  assert.ok(!shouldPing(first, { lat: 31.2301, lon: 121.47, at: 120_000 }), "11 m: not moved");
  assert.ok(shouldPing(first, { lat: 31.231, lon: 121.47, at: 61_000 }), "111 m after a minute");
});

test("photos are scaled to 1600 px on the long edge, never up", () => {
  assert.deepEqual(scaledSize(4032, 3024), { width: 1600, height: 1200 });
  assert.deepEqual(scaledSize(800, 600), { width: 800, height: 600 });
});

test("the customer's confirmation page has every string in both languages", async () => {
  const { default: strings } = await import("../src/confirm/strings.js");
  assert.deepEqual(Object.keys(strings["zh-CN"]).sort(), Object.keys(strings.en).sort());
});

test("a technician standing still pings on the heartbeat, a third of the server's freshness", () => {
  assert.equal(heartbeatMs(30), 600_000);
  assert.equal(heartbeatMs(6), 120_000);
  assert.equal(heartbeatMs(1), 60_000, "never more than once a minute");
  const first = { lat: 31.23, lon: 121.47, at: 0 };
  const still = (at) => ({ lat: 31.23, lon: 121.47, at });
  assert.ok(!shouldPing(first, still(5 * 60_000), heartbeatMs(30)), "still, before the heartbeat");
  assert.ok(shouldPing(first, still(10 * 60_000), heartbeatMs(30)), "still, on the heartbeat");
});
