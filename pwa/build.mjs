// Build the technician app into static/: hashed, minified bundles under static/dist/, a manifest
// that Flask reads to link them, and the service worker at static/sw.js with the files to precache.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "static", "dist");
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const result = await build({
  entryPoints: {
    app: join(here, "src", "technician", "app.js"),
    styles: join(here, "src", "technician", "app.css"),
    dispatch: join(here, "src", "dispatch", "dispatch.js"),
    "dispatch-styles": join(here, "src", "dispatch", "dispatch.css"),
    confirm: join(here, "src", "confirm", "confirm.js"),
    "confirm-styles": join(here, "src", "confirm", "confirm.css"),
    track: join(here, "src", "track", "track.js"),
    "track-styles": join(here, "src", "track", "track.css"),
    portal: join(here, "src", "portal", "portal.js"),
    "portal-styles": join(here, "src", "portal", "portal.css"),
  },
  bundle: true,
  minify: true,
  format: "esm",
  target: ["es2020", "chrome96", "safari15"],
  outdir: dist,
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  loader: { ".png": "file", ".svg": "file" },
  metafile: true,
  legalComments: "linked",
  logLevel: "warning",
});

// "app.js" -> "dist/app-HASH.js", for the page template and the service worker's precache list.
const assets = {};
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  if (!meta.entryPoint) continue;
  const name = basename(meta.entryPoint);
  assets[name] = `dist/${basename(output)}`;
}
writeFileSync(join(dist, "manifest.json"), JSON.stringify(assets, null, 2));

// The service worker lives at the site root (scope "/"); its version is the hash of what it caches,
// so a new build installs a new worker and drops the old caches.
// Only the technician app works offline; the console and the customer's page are online pages.
const shell = [assets["app.js"], assets["app.css"]].map((a) => `/static/${a}`);
const precache = ["/", "/manifest.webmanifest", "/static/icons/icon-192.png", ...shell];
const version = createHash("sha256").update(JSON.stringify(precache)).digest("hex").slice(0, 12);
await build({
  entryPoints: [join(here, "src", "sw", "sw.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020", "chrome96", "safari15"],
  outfile: join(here, "static", "sw.js"),
  define: { __PRECACHE__: JSON.stringify(precache), __VERSION__: JSON.stringify(version) },
  legalComments: "linked",
  logLevel: "warning",
});
console.log(`built ${Object.values(assets).join(", ")}; service worker ${version}`);
