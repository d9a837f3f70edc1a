// ESLint (flat config): the recommended rules, with the globals of where each file runs.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    // Built by build.mjs, or installed by npm.
    ignores: ["static/dist/", "static/sw.js", "node_modules/", "bench/node_modules/"],
  },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { ecmaVersion: "latest", sourceType: "module" },
  },
  {
    files: ["src/**/*.js"],
    languageOptions: { globals: globals.browser },
  },
  {
    // The service worker; __VERSION__ and __PRECACHE__ are filled in by build.mjs (esbuild `define`).
    files: ["src/sw/**/*.js"],
    languageOptions: { globals: { ...globals.serviceworker, __VERSION__: "readonly", __PRECACHE__: "readonly" } },
  },
  {
    files: ["build.mjs", "eslint.config.js", "test/**/*.mjs", "bench/**/*.{js,mjs}"],
    languageOptions: { globals: globals.node },
  },
];
