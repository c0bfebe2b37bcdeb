// Runs the README's examples as a user would, against a real server: the README of the package
// installed in a scratch project (package_test.go packs and installs it there), its `js` blocks
// in Node, its `ts` blocks compiled with `tsc --strict` and then run, its `html` blocks as pages
// in headless Chromium (playwright-core). A line ending in `// → text` must print `text`; a
// block fails when it throws, exits early or does not finish. "http://localhost:8080" in an
// example is the server's URL; the names an example takes from its page (url, keys, draw,
// showBanner, backToLobby, fetchTokenFromYourBackend) are stand-ins from readme-env.mjs.
//
//   TICKROOM_URL=... node scripts/readme-check.mjs CONSUMER_DIR
// The server must also serve CONSUMER_DIR at "/" (the pages import the package from
// /node_modules/@tickroom/client/). CHROMIUM overrides the browser path (/usr/bin/chromium).

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const consumer = process.argv[2];
const url = (process.env.TICKROOM_URL || "").replace(/\/$/, "");
if (!consumer || !url) {
  console.error("usage: TICKROOM_URL=... readme-check.mjs CONSUMER_DIR");
  process.exit(2);
}
const readme = readFileSync(join(consumer, "node_modules", "@tickroom", "client", "README.md"), "utf8");
const work = join(consumer, "readme");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// The fenced blocks of the examples' languages, with the line they start on.
const blocks = [];
{
  const lines = readme.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    while (++i < lines.length && !/^```\s*$/.test(lines[i]));
    if (["js", "ts", "html"].includes(open[1])) {
      const code = lines.slice(start, i).join("\n").replaceAll('"http://localhost:8080"', JSON.stringify(url));
      const expect = [...code.matchAll(/\/\/ → (.+)$/gm)].map((m) => m[1].trim());
      blocks.push({ lang: open[1], line: start, code, expect, name: `block-${start}` });
    }
  }
}
if (!blocks.some((b) => b.lang === "js") || !blocks.some((b) => b.lang === "ts") || !blocks.some((b) => b.lang === "html")) {
  throw new Error("the README has no js, ts or html example: the extraction is broken");
}

const DONE = "README-BLOCK-DONE";
writeFileSync(join(work, "readme-env.mjs"), `// What a README example takes from the page around it.
globalThis.url = process.env.TICKROOM_URL;
globalThis.keys = { dx: 1, dy: 0, boost: false };
let drawn = 0;
globalThis.draw = () => { drawn++; };
globalThis.showBanner = () => {};
globalThis.backToLobby = () => {};
globalThis.fetchTokenFromYourBackend = async () => undefined; // this server verifies no tokens
globalThis.requestAnimationFrame = (fn) => setTimeout(() => fn(performance.now()), 16);
// readmeDone ends an example once its callbacks had a moment to run.
globalThis.readmeDone = async () => {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  console.log("${DONE} drawn=" + drawn);
  process.exit(0);
};
`);
writeFileSync(join(work, "readme-env.d.ts"), `declare const url: string;
declare const keys: { dx: number; dy: number; boost: boolean };
declare function draw(id: number, x: number, y: number): void;
declare function showBanner(text: string): void;
declare function backToLobby(reason?: string): void;
declare function fetchTokenFromYourBackend(): Promise<string | undefined>;
declare function readmeDone(): Promise<void>;
`);

const failures = [];
const fail = (b, why) => failures.push(`README line ${b.line} (${b.lang}): ${why}`);

// ts: one strict program of all the ts blocks, as a consumer of the installed package compiles.
const tsBlocks = blocks.filter((b) => b.lang === "ts");
for (const b of tsBlocks) writeFileSync(join(work, b.name + ".ts"), b.code + "\nawait readmeDone();\n");
writeFileSync(join(work, "tsconfig.json"), JSON.stringify({
  compilerOptions: {
    strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext",
    lib: ["ES2022", "DOM"], types: [], outDir: "out", rootDir: ".", skipLibCheck: false,
  },
  files: ["readme-env.d.ts", ...tsBlocks.map((b) => b.name + ".ts")],
}, null, 2));
const tsc = spawnSync(process.execPath, [join(consumer, "node_modules", "typescript", "bin", "tsc"), "-p", work], { encoding: "utf8" });
if (tsc.status !== 0) {
  for (const b of tsBlocks) fail(b, "tsc --strict failed");
  console.log(tsc.stdout + tsc.stderr);
}

// js and compiled ts: each in its own node process.
for (const b of blocks.filter((x) => x.lang !== "html")) {
  let file;
  if (b.lang === "js") {
    file = join(work, b.name + ".mjs");
    writeFileSync(file, b.code + "\nawait readmeDone();\n");
  } else {
    if (tsc.status !== 0) continue;
    file = join(work, "out", b.name + ".js");
  }
  const r = spawnSync(process.execPath, ["--import", "./readme-env.mjs", file], {
    cwd: work, encoding: "utf8", timeout: 30000, env: { ...process.env, TICKROOM_URL: url },
  });
  const out = r.stdout || "";
  console.log(`--- README line ${b.line} (${b.lang}): exit ${r.status}${r.signal ? " " + r.signal : ""}\n${out}${r.stderr || ""}`);
  if (r.status !== 0 || !out.includes(DONE)) { fail(b, `did not run to its end (exit ${r.status}, ${r.signal || "no signal"})`); continue; }
  for (const e of b.expect) if (!out.includes(e)) fail(b, `did not print ${JSON.stringify(e)}`);
  if (/(^|[^.\w])draw\(/m.test(b.code) && !/function draw/.test(b.code) && /drawn=0\b/.test(out)) fail(b, "never drew");
}

// html: each page in Chromium, from the server, with the package's browser build.
const htmlBlocks = blocks.filter((b) => b.lang === "html");
if (htmlBlocks.length) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  try {
    for (const b of htmlBlocks) {
      writeFileSync(join(work, b.name + ".html"), b.code);
      const page = await browser.newPage();
      const logs = [];
      const errors = [];
      // The browser asks for /favicon.ico, which an example's page is not about.
      const favicon = (u) => new URL(u).pathname === "/favicon.ico";
      page.on("console", (m) => {
        if (m.type() !== "error") logs.push(m.text());
        else if (!favicon(m.location().url || url)) errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push("page error: " + e.message));
      page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
      page.on("response", (r) => { if (r.status() >= 400 && !favicon(r.url())) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
      await page.goto(`${url}/readme/${b.name}.html`);
      const end = Date.now() + 20000;
      while (Date.now() < end && !errors.length && !b.expect.every((e) => logs.some((l) => l.includes(e)))) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      console.log(`--- README line ${b.line} (html) in Chromium:\n${logs.join("\n")}\n${errors.join("\n")}`);
      for (const e of errors) fail(b, e);
      for (const e of b.expect) if (!logs.some((l) => l.includes(e))) fail(b, `did not log ${JSON.stringify(e)}`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

console.log(`${blocks.length} README examples: ${blocks.filter((b) => b.lang === "js").length} js, ${tsBlocks.length} ts, ${htmlBlocks.length} html`);
if (failures.length) {
  console.log("FAIL\n" + failures.join("\n"));
  process.exit(1);
}
console.log("PASS");
