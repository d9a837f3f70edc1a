// The interfaces' languages. One language for the whole site (chosen from the browser, switchable in the
// app and the console, kept in localStorage) and one translator per front end over its own catalogues:
// technician/i18n.js for the technician app, dispatch/i18n.js for the console, the strings.js of
// confirm/, track/ and portal/ for the customer's pages. A missing key falls back to English, then to
// the key itself. Numbers and dates are formatted for the chosen language.

export const LANGUAGES = { en: "English", "zh-CN": "简体中文" };
const STORAGE_KEY = "onsite.language";
let language = pickLanguage();

function pickLanguage() {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved && LANGUAGES[saved]) return saved;
  const wanted = globalThis.navigator?.languages ?? [globalThis.navigator?.language ?? ""];
  return wanted.some((l) => String(l).toLowerCase().startsWith("zh")) ? "zh-CN" : "en";
}

export function currentLanguage() {
  return language;
}

export function setLanguage(code) {
  if (!LANGUAGES[code]) return;
  language = code;
  globalThis.localStorage?.setItem(STORAGE_KEY, code);
  if (globalThis.document) document.documentElement.lang = code;
}

/**
 * A front end's words: each of `sets` maps each code of LANGUAGES to a catalogue with the same keys
 * (a page with words of its own beside shared ones passes both; a later set's key wins).
 * Returns `t(key, values)` (with `{name}` placeholders), the durations and distances those catalogues
 * spell (keys `hoursShort`, `minutesShort`, `km`), and `catalogueKeys()` for the missing-key tests.
 */
export function translator(...sets) {
  const catalogues = Object.fromEntries(
    Object.keys(LANGUAGES).map((code) => [code, Object.assign({}, ...sets.map((set) => set[code]))]),
  );
  const t = (key, values = {}) => {
    const text = catalogues[language]?.[key] ?? catalogues.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  };
  const duration = (minutes) => {
    const m = Math.abs(Math.round(minutes));
    const h = Math.floor(m / 60);
    return h ? t("hoursShort", { hours: h, minutes: m % 60 }) : t("minutesShort", { count: m });
  };
  const kilometres = (km) => t("km", { count: km < 10 ? number(km, 1) : number(Math.round(km)) });
  const catalogueKeys = () =>
    Object.fromEntries(Object.entries(catalogues).map(([code, c]) => [code, Object.keys(c).sort()]));
  return { t, duration, kilometres, catalogueKeys };
}

/** A number in the language's digits and separators, with exactly `digits` decimals when given. */
export function number(value, digits = null) {
  const options = digits == null ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat(language, options).format(value);
}

/** A share (0.25) as a percentage in the language's way ("25%", "25.0%" with digits 1). */
export function percent(share, digits = 0) {
  return new Intl.NumberFormat(language, {
    style: "percent",
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(share);
}

/** A date and time, short ("12/1/26, 10:03 AM" / "2026/12/1 10:03"). */
export function clockTime(iso) {
  return new Date(iso).toLocaleString(language, { dateStyle: "short", timeStyle: "short" });
}

/** A time of day ("10:03 AM" / "10:03"). */
export function timeOfDay(iso) {
  return new Date(iso).toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
}

/** A date and time for the customer's pages ("Dec 1, 2026, 10:03 AM" / "2026年12月1日 10:03"). */
export function dateTime(iso) {
  return new Date(iso).toLocaleString(language, { dateStyle: "medium", timeStyle: "short" });
}

/** A day ("Dec 1, 2026" / "2026年12月1日"). */
export function day(iso) {
  return new Date(iso).toLocaleDateString(language, { dateStyle: "medium" });
}
