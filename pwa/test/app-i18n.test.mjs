// The technician app's catalogues: every key its code asks for exists in English and Chinese (the
// console's are checked in dispatch-i18n.test.mjs, the customer pages' in customer-strings.test.mjs).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import en from "../src/technician/i18n/en.js";
import zhCN from "../src/technician/i18n/zh-CN.js";

const src = fileURLToPath(new URL("../src/technician/", import.meta.url));
// The technician app: its modules and its views (its catalogues in i18n/ are what is checked).
const files = [
  ...readdirSync(src)
    .filter((name) => name.endsWith(".js") && name !== "i18n.js")
    .map((name) => join(src, name)),
  ...readdirSync(join(src, "views"))
    .filter((name) => name.endsWith(".js"))
    .map((name) => join(src, "views", name)),
];

test("every key the technician app uses is in both of its catalogues", () => {
  const used = new Map();
  for (const file of files) {
    for (const match of readFileSync(file, "utf8").matchAll(/(?<![\w.$])t\(\s*(["'`])([^"'`$]+)\1/g)) {
      used.set(match[2], file.slice(src.length));
    }
  }
  assert.ok(used.size > 50, `found only ${used.size} keys: is the scan broken?`);
  for (const [code, catalogue] of Object.entries({ en, "zh-CN": zhCN })) {
    const missing = [...used].filter(([key]) => !(key in catalogue)).map(([key, file]) => `${key} (${file})`);
    assert.deepEqual(missing, [], `missing from i18n/${code}.js`);
  }
});
