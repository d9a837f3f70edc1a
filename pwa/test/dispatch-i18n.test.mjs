// The console's catalogues: every key the console's code asks for exists in English and Chinese, both
// catalogues carry the same keys with the same {placeholders}, and the switch changes what t() says.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import en from "../src/dispatch/i18n/en.js";
import zhCN from "../src/dispatch/i18n/zh-CN.js";
import { catalogueKeys, setLanguage, t } from "../src/dispatch/i18n.js";

const dispatchDir = fileURLToPath(new URL("../src/dispatch/", import.meta.url));
const CATALOGUES = { en, "zh-CN": zhCN };

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "i18n" ? [] : sources(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

/** The literal keys of `t("key")` / `t('key')` / t(`key`) (without ${}) in the console's code. */
function usedKeys() {
  const used = new Map();
  for (const file of sources(dispatchDir)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?<![\w.$])t\(\s*(["'`])([^"'`$]+)\1/g)) {
      used.set(match[2], [...(used.get(match[2]) ?? []), file.slice(dispatchDir.length)]);
    }
  }
  return used;
}

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test("every key the console uses is in both catalogues", () => {
  const used = usedKeys();
  assert.ok(used.size > 10, `found only ${used.size} keys: is the scan broken?`);
  for (const [code, catalogue] of Object.entries(CATALOGUES)) {
    const missing = [...used].filter(([key]) => !(key in catalogue)).map(([key, files]) => `${key} (${files})`);
    assert.deepEqual(missing, [], `missing from dispatch/i18n/${code}.js`);
  }
});

test("both catalogues carry the same keys, each with the same placeholders and some text", () => {
  const keys = catalogueKeys();
  assert.deepEqual(keys["zh-CN"], keys.en);
  for (const key of keys.en) {
    assert.deepEqual(placeholders(zhCN[key]), placeholders(en[key]), `placeholders of ${key}`);
    for (const [code, catalogue] of Object.entries(CATALOGUES)) {
      assert.equal(typeof catalogue[key], "string", `${code} ${key}`);
      assert.ok(catalogue[key].trim(), `${code} ${key} is empty`);
    }
  }
});

test("the switch changes the console's language, and placeholders are filled in", () => {
  setLanguage("zh-CN");
  assert.equal(t("nav.board"), zhCN["nav.board"]);
  assert.equal(t("minutesShort", { count: 5 }), "5 分钟");
  setLanguage("en");
  assert.equal(t("nav.board"), "Board");
  assert.equal(t("minutesShort", { count: 5 }), "5 min");
  assert.equal(t("no.such.key"), "no.such.key");
});
