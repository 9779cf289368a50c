// Drives Endure's dashboard in Debian's Chromium (headless) through playwright-core, against a
// real `endure serve` started by tests/dashboard.rs with the `orders` Worker project and an API
// token. Exits non-zero, naming the failed check, when the dashboard does not behave.
//
// ENDURE_URL, ENDURE_TOKEN: the server and its token. CHROMIUM: the browser (default
// /usr/bin/chromium). SCREENSHOTS: a directory to write the main pages' screenshots to.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const base = process.env.ENDURE_URL;
const token = process.env.ENDURE_TOKEN;
const shots = process.env.SCREENSHOTS;
const api = `${base}/client/v4/accounts/local/workflows/orders/instances`;
const TIMEOUT = 30_000;

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
}

async function call(method, url, body) {
  const r = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const v = await r.json();
  check(r.ok, `${method} ${url} answered ${r.status}: ${JSON.stringify(v)}`);
  return v.result;
}

const create = (id, params) => call("POST", api, { instance_id: id, params });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.setDefaultTimeout(TIMEOUT);
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  // (The browser logs the sign-in's refused requests: 401 without a token, 403 with a wrong one.)
  if (m.type() === "error" && !/status of 40[13]/.test(m.text())) problems.push(`console: ${m.text()}`);
});
const requests = [];
page.on("request", (r) => requests.push(r.url()));

async function shot(name) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

const status = (s) => page.waitForSelector(`#status [data-status="${s}"]`);

async function confirmWith(button) {
  await page.click(button);
  await page.waitForSelector("#confirm[open]");
  await page.click("#confirm-ok");
}

try {
  // Signing in: the API's token, refused when wrong; never in a URL.
  await page.goto(`${base}/_endure/`);
  await page.waitForSelector("#token");
  await page.fill("#token", "not-the-token");
  await page.press("#token", "Enter");
  await page.waitForSelector("text=That token was refused.");
  await page.fill("#token", token);
  await page.press("#token", "Enter");
  await page.waitForSelector('#workflows tr[data-workflow="orders"]');
  check(!requests.some((u) => u.includes(token)), "the token never appears in a URL");

  // An instance watched from running to complete, its retry drawn.
  await create("watch-1", { coolDown: "3 seconds" });
  await page.goto(`${base}/_endure/#/workflows/orders/instances/watch-1`);
  await page.waitForSelector('#status [data-status="running"], #status [data-status="waiting"]');
  await page.waitForSelector('.tl-row[data-step="charge"] .tl-bar.bad');
  await page.waitForSelector('.tl-row[data-step="charge"] .tl-bar.backoff');
  await page.waitForSelector('.tl-row[data-step="cool down"] .tl-bar.sleep');
  await status("complete");
  await page.waitForSelector('.tl-row[data-step="ship"][data-state="ok"]');
  const attempts = await page.$$eval('.tl-row[data-step="charge"] tr.attempt', (rows) => rows.length);
  check(attempts === 2, `charge shows 2 attempts, not ${attempts}`);
  const declined = await page.textContent('.tl-row[data-step="charge"] tr.attempt .error');
  check(declined.includes("card declined"), `the failed attempt's error is shown: ${declined}`);
  await page.click('.tl-row[data-step="charge"] summary');
  await shot("instance");

  // Pause and resume one that waits for an event, then send it the event.
  await create("pause-1", { approve: true, coolDown: "1 second" });
  await page.goto(`${base}/_endure/#/workflows/orders/instances/pause-1`);
  await page.waitForSelector('.tl-row[data-step="approval"] .tl-bar.wait');
  await confirmWith("#act-pause");
  await status("paused");
  check(await page.isDisabled("#act-pause"), "pause is off while paused");
  await confirmWith("#act-resume");
  await page.waitForSelector('#status [data-status="waiting"], #status [data-status="running"]');
  await page.click("text=Send an event");
  await page.fill("#event-type", "approve");
  await page.fill("#event-payload", '{"by": "e2e"}');
  await confirmWith("#act-send");
  await status("complete");
  const output = await page.textContent("#facts ~ details[open] pre");
  check(output.includes('"by": "e2e"'), `the event reached the output: ${output}`);

  // Restart from a chosen step: the steps before it keep their results.
  const before = await call("GET", `${api}/watch-1`);
  await page.goto(`${base}/_endure/#/workflows/orders/instances/watch-1`);
  await status("complete");
  await page.selectOption("#restart-from", { label: "ship" });
  await confirmWith("#act-restart-from");
  await status("complete");
  // (The page may still show the complete status from before the restart: ask the API until
  // the instance has ended again.)
  let after = await call("GET", `${api}/watch-1`);
  for (let i = 0; i < 300 && (after.status !== "complete" || after.end === before.end); i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await call("GET", `${api}/watch-1`);
  }
  check(after.status === "complete" && after.end !== before.end, "the restart ran the instance again");
  const charge = (doc) => doc.steps.find((s) => s.name === "charge");
  check(charge(after).start === charge(before).start, "charge (before ship) kept its result");
  const ship = (doc) => doc.steps.find((s) => s.name === "ship");
  check(ship(after).start !== ship(before).start, "ship ran again");

  // Filter the list: by status, by id.
  await create("long-1", { coolDown: "1 hour" });
  await page.goto(`${base}/_endure/#/workflows/orders`);
  await page.waitForSelector('#instances tr[data-instance="long-1"]');
  // (Each filter re-renders the list: wait for the page to show the filter's rows.)
  const listed = () =>
    page.$$eval("#instances tbody tr", (rows) =>
      rows.map((r) => [r.dataset.instance, r.querySelector("[data-status]").dataset.status]));
  const settled = (query) => page.waitForSelector(`[data-query="${query}"]`);
  await page.selectOption("#f-status", "complete");
  await page.click("#f-apply");
  await settled("status=complete");
  let rows = await listed();
  check(rows.length === 2 && rows.every(([, s]) => s === "complete"), `only complete ones: ${rows}`);
  await page.selectOption("#f-status", "waiting");
  await page.click("#f-apply");
  await settled("status=waiting");
  rows = await listed();
  check(rows.length === 1 && rows[0][0] === "long-1", `only the waiting one: ${rows}`);
  await page.selectOption("#f-status", "");
  await page.fill("#f-id", "pause-1");
  await page.click("#f-apply");
  await settled("q=pause-1");
  rows = await listed();
  check(rows.length === 1 && rows[0][0] === "pause-1", `the id search finds one: ${rows}`);
  await page.fill("#f-id", "");
  await page.click("#f-apply");
  await page.waitForSelector('#instances tr[data-instance="long-1"]');
  // Charts from the GraphQL analytics: 24 hourly bars; this hour's three starts and two completions counted (a
  // restart continues its instance: no new start).
  await page.waitForSelector("#chart-instances svg");
  const bars = await page.$$eval("#chart-instances svg rect", (r) => r.length);
  check(bars === 24, `24 hourly bars, not ${bars}`);
  const started = await page.textContent("#chart-instances .total");
  check(started === "3", `three instances started, not ${started}`);
  await page.waitForFunction(() => document.querySelector("#chart-durations dd:last-child")?.textContent === "2");
  await shot("instances");
  await page.goto(`${base}/_endure/#/`);
  await page.waitForSelector('#workflows tr[data-workflow="orders"]');
  await shot("workflows");

  check(problems.length === 0, `no errors in the page: ${problems.join("; ")}`);
  console.log("dashboard: every check passed");
} catch (e) {
  console.error(`${e.stack || e}\n(page errors: ${problems.join("; ") || "none"})`);
  try {
    await page.screenshot({ path: `${process.env.TMPDIR || "/tmp"}/endure-dashboard-failure.png`, fullPage: true });
    console.error(`page at failure: ${page.url()}; screenshot in /tmp/endure-dashboard-failure.png`);
  } catch {}
  process.exitCode = 1;
} finally {
  await browser.close();
}
