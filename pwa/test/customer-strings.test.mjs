// The customer's pages (confirmation, tracking and portal): both catalogues carry the same keys with
// the same {placeholders}, every key the pages ask for exists, and every status has its sentence and step.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import confirm from "../src/confirm/strings.js";
import portal from "../src/portal/strings.js";
import track from "../src/track/strings.js";

const STATUSES = ["new", "assigned", "accepted", "en_route", "on_site", "on_hold", "completed", "closed", "cancelled"];
const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

for (const [name, catalogues] of Object.entries({ confirm, track, portal })) {
  test(`${name}: English and Chinese have the same keys and placeholders`, () => {
    assert.deepEqual(Object.keys(catalogues["zh-CN"]).sort(), Object.keys(catalogues.en).sort());
    for (const [key, text] of Object.entries(catalogues.en)) {
      assert.deepEqual(placeholders(catalogues["zh-CN"][key]), placeholders(text), key);
    }
  });
}

test("every status has a sentence and a step in both languages", () => {
  for (const language of ["en", "zh-CN"]) {
    for (const status of STATUSES) {
      assert.ok(track[language][`status.${status}`], `${language} status.${status}`);
      assert.ok(track[language][`step.${status}`], `${language} step.${status}`);
    }
  }
});

test("every literal key the pages ask for is in a catalogue", () => {
  const known = new Set([...Object.keys(track.en), ...Object.keys(portal.en)]);
  for (const file of ["../src/track/track.js", "../src/track/view.js", "../src/portal/portal.js"]) {
    const text = readFileSync(new URL(file, import.meta.url), "utf8");
    for (const match of text.matchAll(/(?<![\w.$])t\(\s*(["'`])([^"'`$]+)\1/g)) {
      assert.ok(known.has(match[2]), `${file}: ${match[2]}`);
    }
  }
});

test("every literal key the confirmation page asks for is in its catalogue", () => {
  const known = new Set(Object.keys(confirm.en));
  const used = [];
  for (const file of ["../src/confirm/confirm.js", "../src/confirm/receipt.js"]) {
    const text = readFileSync(new URL(file, import.meta.url), "utf8");
    for (const match of text.matchAll(/(?<![\w.$])t\(\s*(["'`])([^"'`$]+)\1/g)) used.push([file, match[2]]);
  }
  assert.ok(used.length > 20, `found only ${used.length} keys: is the scan broken?`);
  assert.deepEqual(
    used.filter(([, key]) => !known.has(key)),
    [],
  );
});
