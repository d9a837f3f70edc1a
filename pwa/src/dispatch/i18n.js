// The console's words: the same machine as the technician app (../i18n.js: one language for the site,
// the switch, locale formatting) over the console's own catalogues, dispatch/i18n/en.js and zh-CN.js
// (same keys; pwa/test/dispatch-i18n.test.mjs fails when a key used here is missing from either).
import { translator } from "../shared/i18n.js";
import en from "./i18n/en.js";
import zhCN from "./i18n/zh-CN.js";

export { LANGUAGES, clockTime, currentLanguage, day, number, percent, setLanguage, timeOfDay } from "../shared/i18n.js";

export const { t, duration, kilometres, catalogueKeys } = translator({ en, "zh-CN": zhCN });

/** Words by code, read from the catalogue at each use (`LABELS[code]` is t(`${prefix}${code}`)), so a
 * language switch shows at the next redraw; undefined for a code not in `codes`. */
export function labels(prefix, codes) {
  const known = new Set(codes);
  return new Proxy(Object.fromEntries(codes.map((c) => [c, `${prefix}${c}`])), {
    get: (keys, code) => (known.has(code) ? t(keys[code]) : undefined),
  });
}
