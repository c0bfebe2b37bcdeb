// Builds the package's browser ES modules into dist/browser/ (or the directory given with
// --out), for pages that load the client with a plain <script type="module"> and no bundler or
// import map: the package's modules (src/*.js) with their two bare imports pointed at the
// browser builds of socket.io-client and socket.io-msgpack-parser (scripts/build-vendor.mjs)
// next to them. Nothing else changes: dist/browser/client.js is src/client.js but for its
// import lines. `npm pack` runs it (prepack); dist/ is not committed.
//
//   node scripts/build-browser.mjs [--out DIR]      (npm run build)

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildVendor } from "./build-vendor.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const outIdx = args.indexOf("--out");
const out = outIdx >= 0 ? resolve(args[outIdx + 1]) : join(root, "dist", "browser");

// The bare imports of src/ and the files of the browser build they become.
const rewrites = {
  "socket.io-client": "./socket.io-client.js",
  "socket.io-msgpack-parser": "./socket.io-msgpack-parser.js",
};
// An import or export ... from "specifier" statement (src/ has no dynamic imports).
const fromClause = /(\bfrom\s*)"([^"]+)"/g;

buildVendor(out); // empties out first
mkdirSync(out, { recursive: true });
const src = join(root, "src");
for (const name of readdirSync(src).filter((f) => f.endsWith(".js")).sort()) {
  const code = readFileSync(join(src, name), "utf8").replace(fromClause, (all, from, spec) => {
    if (spec.startsWith("./")) return all;
    if (!Object.hasOwn(rewrites, spec)) throw new Error(`src/${name} imports ${spec}: add its browser build to scripts/build-browser.mjs`);
    return `${from}"${rewrites[spec]}"`;
  });
  writeFileSync(join(out, name), code);
}
// stderr: `npm pack --json` prints the prepack script's stdout before its JSON.
console.error("browser build written to " + out);
