// Drives the arena demo in two headless Chromium pages (playwright-core, Debian's chromium):
// page A creates a room and reads its join code off the page, page B joins by that code, both
// steer toward the middle until each sees the other, then each holds a key and the other page
// must see that circle move. Screenshots go to the artifacts directory.
//
//   node scripts/demo-browser.mjs URL ARTIFACTS_DIR
//   TICKROOM_URL=... TICKROOM_ARTIFACTS=... node scripts/demo-browser.mjs   (tests/browser)
// CHROMIUM overrides the browser path (default /usr/bin/chromium).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const url = process.argv[2] || process.env.TICKROOM_URL;
const artifacts = process.argv[3] || process.env.TICKROOM_ARTIFACTS;
if (!url || !artifacts) {
  console.error("usage: demo-browser.mjs URL ARTIFACTS_DIR");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const log = (...a) => console.log(`[${(performance.now() / 1000).toFixed(1)}s]`, ...a);

// launch() starts Chromium with a fresh, temporary user data dir of its own.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const pages = [];
let failed = false;
try {
  for (const name of ["alice", "bob"]) {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => { failed = true; console.error(`${name}: page error:`, e); });
    page.on("console", (m) => { if (m.type() === "error") console.error(`${name}: console:`, m.text()); });
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("connected"), null, { timeout: 15000 });
    await page.fill("#name", name);
    pages.push({ name, page });
  }
  const [a, b] = pages;

  await a.page.fill("#room-name", "browser test");
  await a.page.click("#create");
  await a.page.waitForFunction(() => document.getElementById("room-code").textContent.trim() !== "", null, { timeout: 10000 });
  const code = (await a.page.textContent("#room-code")).trim();
  log(`alice created a room with code ${code}`);
  await b.page.fill("#join-code", code);
  await b.page.click("#join");
  await b.page.waitForFunction((c) => document.getElementById("room-code").textContent.trim() === c, code, { timeout: 10000 });
  log("bob joined by code");
  await a.page.screenshot({ path: join(artifacts, "1-alice-joined.png") });
  await b.page.screenshot({ path: join(artifacts, "1-bob-joined.png") });

  const positions = (p) => p.page.evaluate(() => window.__tickroom.positions());
  const mine = async (p) => (await positions(p)).find((e) => e.me);
  const other = async (p) => (await positions(p)).find((e) => !e.me);

  // Steer each circle toward the middle with the arrow keys until both are near it and see each
  // other (the view radius is 800 units; circles start anywhere in the 2000 x 2000 world).
  const held = new Map(pages.map((p) => [p, new Set()]));
  const press = async (p, want) => {
    const cur = held.get(p);
    for (const k of [...cur]) if (!want.has(k)) { await p.page.keyboard.up(k); cur.delete(k); }
    for (const k of want) if (!cur.has(k)) { await p.page.keyboard.down(k); cur.add(k); }
  };
  const deadline = Date.now() + 20000;
  for (;;) {
    const seen = await Promise.all(pages.map(other));
    const own = await Promise.all(pages.map(mine));
    const central = own.every((m) => m && Math.abs(m.x) <= 200 && Math.abs(m.y) <= 200);
    if (seen.every(Boolean) && central) break;
    if (Date.now() > deadline) throw new Error("the two players never met in the middle: " + JSON.stringify({ seen, own }));
    for (const p of pages) {
      const me = await mine(p);
      const want = new Set();
      if (me) {
        if (me.x < -100) want.add("ArrowRight"); else if (me.x > 100) want.add("ArrowLeft");
        if (me.y < -100) want.add("ArrowDown"); else if (me.y > 100) want.add("ArrowUp");
      }
      await press(p, want);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const p of pages) await press(p, new Set());
  log("both see each other");
  await new Promise((r) => setTimeout(r, 300));

  // Each holds a key in turn; the other page must see that circle move that way by 40 units.
  for (const [mover, watcher, key, axis] of [[a, b, "ArrowRight", "x"], [b, a, "ArrowDown", "y"]]) {
    const before = await other(watcher);
    if (!before) throw new Error(`${watcher.name} does not see ${mover.name}`);
    const ownBefore = await mine(mover);
    await mover.page.keyboard.down(key);
    let moved = 0;
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      const now = await other(watcher);
      if (!now) throw new Error(`${mover.name} left ${watcher.name}'s view`);
      moved = now[axis] - before[axis]; // right and down are +x and +y
      if (moved >= 40) break;
    }
    await mover.page.keyboard.up(key);
    const ownAfter = await mine(mover);
    log(`${mover.name} held ${key}: moved ${Math.hypot(ownAfter.x - ownBefore.x, ownAfter.y - ownBefore.y).toFixed(1)} units by its own view, ${moved.toFixed(1)} units as ${watcher.name} sees it`);
    if (moved < 40) throw new Error(`${watcher.name} did not see ${mover.name} move after ${key} (moved ${moved.toFixed(1)} units)`);
  }
  for (const p of pages) {
    const path = join(artifacts, `2-${p.name}-moved.png`);
    await p.page.screenshot({ path });
    log(`screenshot ${path}`);
    const st = await p.page.evaluate(() => window.__tickroom.stats());
    log(`${p.name}: ${st.snapshots} snapshots, ${st.desyncs} desyncs`);
    if (st.desyncs !== 0) throw new Error(`${p.name}: ${st.desyncs} desyncs`);
  }
  if (failed) throw new Error("a page reported an error");
  console.log("PASS");
} catch (e) {
  for (const p of pages) await p.page.screenshot({ path: join(artifacts, `failed-${p.name}.png`) }).catch(() => {});
  console.error("FAIL:", e);
  process.exitCode = 1;
} finally {
  await browser.close();
}
