// The console's catalogues: every key the console's code asks for exists in English and Chinese, both
// catalogues carry the same keys with the same {placeholders}, and the switch changes what t() says.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import en from "../src/dispatch/i18n/en.js";
import zhCN from "../src/dispatch/i18n/zh-CN.js";
import { catalogueKeys, clockTime, duration, number, percent, setLanguage, t } from "../src/dispatch/i18n.js";

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

/** Keys written as plain strings and looked up later (column headers, `[href, key]` tables): a string
 * literal shaped like a key ("board.column.title") whose first part is one of the catalogue's sections. */
function literalKeys() {
  const sections = new Set(Object.keys(en).map((key) => key.split(".")[0]));
  const found = new Map();
  for (const file of sources(dispatchDir)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/"([a-z][A-Za-z]*(?:\.[A-Za-z_%]+)+)"/g)) {
      if (sections.has(match[1].split(".")[0])) found.set(match[1], file.slice(dispatchDir.length));
    }
  }
  return found;
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

test("every key-shaped string in the console's code is in both catalogues", () => {
  for (const [code, catalogue] of Object.entries(CATALOGUES)) {
    const missing = [...literalKeys()].filter(([key]) => !(key in catalogue)).map(([key, file]) => `${key} (${file})`);
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

test("statuses, priorities, channels and every timeline event have words in both languages", async () => {
  const { CHANNELS, EVENT_WORDS, LABEL, PRIORITIES, STATUSES, deedDoubts, eventWords } =
    await import("../src/dispatch/common.js");
  const details = {
    channel: "phone",
    priority: "urgent",
    changes: { title: ["a", "b"], lat: [1, 2] },
    from_technician_id: 1,
    to_technician_id: 2,
    technician_id: 2,
    reason: "not_accepted",
    distance_km: 3.25,
    eta_minutes: 9,
    plan_id: 4,
    order: 2,
    planned_at: "2026-12-01T10:00:00Z",
    first_time_fix: true,
    rating: 5,
    kind: "fix",
    parts: 2,
    expires_at: "2026-12-02T10:00:00Z",
    reached: true,
    satisfaction: 4,
    reopened: true,
  };
  const flags = ["late_without_offline", "before_offline", "online_meanwhile", "far_from_site", "impossible_speed"];
  for (const code of ["en", "zh-CN"]) {
    setLanguage(code);
    for (const word of [...STATUSES, "closed", "cancelled", ...PRIORITIES, ...CHANNELS]) {
      assert.ok(LABEL[word] && !LABEL[word].includes("."), `${code} ${word}: ${LABEL[word]}`);
    }
    for (const action of Object.keys(EVENT_WORDS)) {
      const event = { action, actor: { kind: "user", name: "Dana" }, details };
      const { sentence } = eventWords(event, [
        { id: 1, name: "Li Wei" },
        { id: 2, name: "Wang Fang" },
      ]);
      assert.doesNotMatch(sentence, /\b(event|reason|via|log|field|followUp)\.|\{|undefined/, `${code} ${action}`);
    }
    const doubts = deedDoubts({ deed_flags: flags.map((c) => ({ code: c, km: 5, seconds: 9, source: "ping" })) });
    for (const doubt of doubts) assert.doesNotMatch(doubt, /doubt\.|\{|undefined/, `${code} ${doubt}`);
  }
  setLanguage("en");
  const close = {
    action: "close",
    actor: { kind: "customer" },
    details: { signer_name: "Ann", via: "link", rating: 4 },
  };
  assert.equal(eventWords(close).sentence, "Closed: signed by Ann through the confirmation link, rating 4/5");
  setLanguage("zh-CN");
  assert.equal(eventWords(close).sentence, "已关闭：Ann通过确认链接签字确认，评分 4/5");
  setLanguage("en");
});

test("every KPI figure has a name in both catalogues", async () => {
  const { FIGURES } = await import("../src/dispatch/kpis.js");
  for (const [key, unit] of FIGURES) {
    for (const [code, catalogue] of Object.entries(CATALOGUES)) {
      assert.ok(`kpi.${key}` in catalogue, `kpi.${key} missing from dispatch/i18n/${code}.js`);
      if (unit) assert.ok(`kpis.unit.${unit}` in catalogue, `kpis.unit.${unit} missing from ${code}`);
    }
  }
});

test("dates, numbers and durations follow the chosen language", () => {
  const at = "2026-12-01T02:03:00Z";
  const local = new Date(at); // the day and hour where the test runs
  const pad = (n) => String(n).padStart(2, "0");
  setLanguage("zh-CN");
  const day = `${local.getFullYear()}/${local.getMonth() + 1}/${local.getDate()}`;
  assert.equal(clockTime(at), `${day} ${pad(local.getHours())}:${pad(local.getMinutes())}`);
  assert.equal(duration(65), "1 小时 5 分钟");
  assert.equal(number(1234.5, 1), "1,234.5");
  setLanguage("en");
  const usDay = `${local.getMonth() + 1}/${local.getDate()}/${String(local.getFullYear()).slice(2)}`;
  assert.match(clockTime(at), new RegExp(`^${usDay}, \\d{1,2}:${pad(local.getMinutes())}\\s[AP]M$`));
  assert.equal(duration(65), "1 h 5 min");
  assert.equal(percent(0.25), "25%");
});
