// Bundles every page entry in frontend/pages/ into webapp/static/dist/ (one script, one stylesheet each).
import { build } from "esbuild";
import { readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pages = join(root, "frontend", "pages");
const outdir = join(root, "webapp", "static", "dist");

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: readdirSync(pages).filter((f) => /\.(js|css)$/.test(f)).map((f) => join(pages, f)),
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "iife",
  jsx: "automatic",
  jsxImportSource: "@bpmn-io/properties-panel/preact",
  target: ["chrome100", "firefox100", "safari15"],
  outdir,
  assetNames: "assets/[name]-[hash]",
  loader: { ".woff2": "file", ".woff": "file", ".ttf": "file", ".eot": "file", ".svg": "file" },
  logLevel: "warning",
});
console.log(`built ${outdir}`);
