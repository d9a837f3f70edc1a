// The technician app's words: the site's one language and its formatting (../shared/i18n.js) over the
// app's own catalogues, i18n/en.js and zh-CN.js (same keys; pwa/test/app-i18n.test.mjs fails when a
// key used here is missing from either).
import { translator } from "../shared/i18n.js";
import en from "./i18n/en.js";
import zhCN from "./i18n/zh-CN.js";

export { LANGUAGES, clockTime, currentLanguage, day, number, setLanguage } from "../shared/i18n.js";

export const { t, duration, kilometres, catalogueKeys } = translator({ en, "zh-CN": zhCN });
