// Drives the admin monitor page (/admin/) in headless Chromium (playwright-core from
// client-js/node_modules, Debian's chromium) for tests/browser TestMonitorPage: the page lists
// the running room ROOM_ID, its detail page shows its two players, a chart has points after a
// few seconds, and the room's close button closes it. Any console error or page error fails
// the run. Screenshots go to ARTIFACTS; HOLD_SECONDS keeps the list view open that long first
// (for the screenshot in docs/operations.md, charts with some history).
//
//   ADMIN_URL=http://127.0.0.1:9090 ROOM_ID=... ARTIFACTS=dir CLIENT_JS=client-js node monitor.mjs
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const { ADMIN_URL: admin, ROOM_ID: roomId, ARTIFACTS: artifacts, CLIENT_JS: clientJs } = process.env;
if (!admin || !roomId || !artifacts || !clientJs) {
  console.error("usage: ADMIN_URL=... ROOM_ID=... ARTIFACTS=... CLIENT_JS=... node monitor.mjs");
  process.exit(2);
}
const hold = Number(process.env.HOLD_SECONDS ?? 0);
const { chromium } = createRequire(resolve(clientJs, "package.json"))("playwright-core");
mkdirSync(artifacts, { recursive: true });
const log = (...a) => console.log(`[${(performance.now() / 1000).toFixed(1)}s]`, ...a);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const problems = [];
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("dialog", (d) => d.accept()); // the close button asks first

  await page.goto(`${admin}/admin/`);
  const row = `#rooms tr[data-room-id="${roomId}"]`;
  await page.waitForSelector(row, { timeout: 15000 });
  log("the room is listed");
  // A chart has points after a few seconds (one sample a second).
  await page.waitForFunction(() => Number(document.querySelector("#chart-players").dataset.points || 0) >= 3, null, { timeout: 15000 });
  log("the players chart has points");
  if (hold > 0) await page.waitForTimeout(hold * 1000);
  await page.screenshot({ path: join(artifacts, "monitor-rooms.png") });

  await page.click(`${row} a`);
  await page.waitForFunction(() => document.querySelectorAll("#players tbody tr").length === 2, null, { timeout: 15000 });
  const states = await page.$$eval("#players tbody tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent));
  if (!states.every((s) => s === "connected")) throw new Error(`player states: ${states}`);
  // Rates need two polls; the RTT one ping.
  await page.waitForFunction(() => [...document.querySelectorAll("#players tbody tr td:nth-child(5)")]
    .every((td) => Number(td.textContent) > 5), null, { timeout: 15000 });
  log("the detail page shows both players with their snapshot rates");
  await page.screenshot({ path: join(artifacts, "monitor-room.png") });

  await page.click("#detail-close");
  await page.waitForFunction(() => location.hash === "" || location.hash === "#", null, { timeout: 10000 });
  await page.waitForFunction((sel) => !document.querySelector(sel), row, { timeout: 15000 });
  log("closed from the page");
  await page.screenshot({ path: join(artifacts, "monitor-closed.png") });
  if (!(await page.isHidden("#error"))) throw new Error(`the page shows an error: ${await page.textContent("#error")}`);
} catch (err) {
  problems.push(String(err?.stack ?? err));
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("PASS");
