// The interface's languages: one catalogue per language (i18n/*.js), chosen from the browser and
// switchable; a missing key falls back to English, then to the key itself.
import en from "./i18n/en.js";
import zhCN from "./i18n/zh-CN.js";

const catalogues = { en, "zh-CN": zhCN };
export const LANGUAGES = { en: "English", "zh-CN": "简体中文" };
let language = pickLanguage();

function pickLanguage() {
  const saved = globalThis.localStorage?.getItem("onsite.language");
  if (saved && catalogues[saved]) return saved;
  const wanted = globalThis.navigator?.languages ?? [];
  return wanted.some((l) => l.toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function currentLanguage() {
  return language;
}

export function setLanguage(code) {
  if (!catalogues[code]) return;
  language = code;
  globalThis.localStorage?.setItem("onsite.language", code);
  if (globalThis.document) document.documentElement.lang = code;
}

export function t(key, values = {}) {
  const text = catalogues[language][key] ?? catalogues.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

export function duration(minutes) {
  const m = Math.abs(Math.round(minutes));
  const h = Math.floor(m / 60);
  return h ? t("hoursShort", { hours: h, minutes: m % 60 }) : t("minutesShort", { count: m });
}

export function kilometres(km) {
  return t("km", { count: km < 10 ? km.toFixed(1) : Math.round(km) });
}

export function clockTime(iso) {
  return new Date(iso).toLocaleString(language, { dateStyle: "short", timeStyle: "short" });
}

/** Both catalogues carry the same keys (checked by the unit tests). */
export function catalogueKeys() {
  return Object.fromEntries(Object.entries(catalogues).map(([code, c]) => [code, Object.keys(c).sort()]));
}
