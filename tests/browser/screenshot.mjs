// Takes the monitor page's screenshot for docs/operations.md: opens ADMIN_URL/admin/ in
// headless Chromium (playwright-core from CLIENT_JS's node_modules), waits WAIT_SECONDS for the
// charts to fill, and writes OUT. With ROOM=first it shoots the first room's page instead.
//
//   ADMIN_URL=http://127.0.0.1:9090 OUT=docs/monitor.png CLIENT_JS=client-js node tests/browser/screenshot.mjs
import { createRequire } from "node:module";
import { resolve } from "node:path";

const { ADMIN_URL: admin, OUT: out, CLIENT_JS: clientJs = "client-js" } = process.env;
if (!admin || !out) {
  console.error("usage: ADMIN_URL=... OUT=file.png [CLIENT_JS=client-js] [WAIT_SECONDS=5] [ROOM=first] node screenshot.mjs");
  process.exit(2);
}
const { chromium } = createRequire(resolve(clientJs, "package.json"))("playwright-core");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 820 } })).newPage();
  await page.goto(`${admin}/admin/`);
  await page.waitForSelector("#rooms tbody tr", { timeout: 15000 });
  if (process.env.ROOM === "first") {
    await page.click("#rooms tbody tr a");
    await page.waitForSelector("#players tbody tr", { timeout: 15000 });
  }
  await page.waitForTimeout(Number(process.env.WAIT_SECONDS ?? 5) * 1000);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
}
