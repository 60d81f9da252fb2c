// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core (pinned in
// package.json; no browser download). Run by crates/cli/tests/serve.rs, which serves a demo DAO:
//   node script/browser-test.mjs <dashboard url> <screenshot dir>
// Checks that the tree shows every cell, a proposal page shows its tally, the money-flow totals
// equal the API's; then prints READY, reads "TX <hash>" on stdin (a transaction the test just sent)
// and checks that it appears on the open page. Screenshots go to <screenshot dir>. Exits non-zero
// with the reason on any failure.
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const [url, outDir] = process.argv.slice(2);
if (!url || !outDir) {
  console.error("usage: node script/browser-test.mjs <dashboard url> <screenshot dir>");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(outDir, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), "dao-dashboard-profile-"));
const api = async (path) => {
  const r = await fetch(new URL(path, url));
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
  return r.json();
};
const check = (ok, msg) => {
  if (!ok) throw new Error(msg);
};

let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
  });
} catch (e) {
  console.error(`could not start ${executablePath}: ${e.message}\nInstall Debian's chromium (make deps does: apt-get install -y chromium) or set CHROMIUM to a Chromium binary.`);
  process.exit(1);
}
const page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
const shot = (name) => page.screenshot({ path: join(outDir, `${name}.png`), fullPage: true });
const visit = async (hash, selector) => {
  await page.goto(new URL(hash, url).href);
  await page.waitForSelector(selector, { timeout: 15000 });
  const err = await page.$("main .error");
  check(!err, `${hash}: the page shows an error: ${err && (await err.textContent())}`);
};

try {
  // 1. The tree shows every cell the API knows.
  await visit("/#/", "#tree li");
  const cells = (await api("/api/cells?limit=500")).items;
  for (const c of cells) {
    const li = await page.$(`#tree li[data-cell="${c.id}"]`);
    check(li, `the tree lacks cell ${c.name} (${c.id})`);
    check((await li.textContent()).includes(c.name), `the tree's row of ${c.id} does not show its name ${c.name}`);
  }
  await shot("network");
  console.log(`tree: ${cells.length} cells shown`);

  // 2. A proposal page shows its tally.
  const proposals = (await api("/api/proposals?limit=500")).items;
  const voted = proposals.find((p) => p.voters > 0);
  check(voted, "the served DAO has no proposal with votes");
  await visit(`/#/proposal/${voted.id}`, "#tally [data-tally=for]");
  for (const k of ["for", "against", "abstain"]) {
    const shown = (await page.textContent(`#tally [data-tally=${k}]`)).trim();
    check(shown === voted.tally[k], `proposal ${voted.id}: tally ${k} shows ${shown}, the API says ${voted.tally[k]}`);
  }
  await shot("proposal");
  console.log(`proposal: tally ${JSON.stringify(voted.tally)} shown`);

  // 3. The money-flow totals equal the API's.
  await visit("/#/flows", "#sankey");
  const flows = await api("/api/flows");
  for (const k of ["from_safes", "spent", "bounties_paid"]) {
    const shown = await page.getAttribute(`[data-total=${k}]`, "data-wei");
    check(shown === flows.totals[k], `money flow: ${k} shows ${shown}, the API says ${flows.totals[k]}`);
  }
  const paths = await page.$$eval("#sankey path", (ps) => ps.length);
  check(paths === flows.edges.length, `money flow: ${paths} links drawn for ${flows.edges.length} edges`);
  await shot("flows");
  console.log(`flows: totals ${JSON.stringify(flows.totals)} shown, ${paths} links`);

  // The other pages load without error.
  await visit(`/#/cell/${cells[cells.length - 1].id}`, "[data-cell-page]");
  await shot("cell");
  await visit("/#/tasks", ".board");
  await shot("tasks");
  await visit("/#/audit", "#findings");
  await shot("audit");
  await visit("/#/metrics", "#charts svg");
  await shot("metrics");

  // 4. Live: a transaction sent now appears on the open page.
  await visit("/#/", "#activity");
  const before = await page.getAttribute("body", "data-rendered-head");
  console.log(`READY ${before}`);
  const lines = createInterface({ input: process.stdin });
  const tx = await new Promise((resolve, reject) => {
    lines.on("line", (l) => {
      if (l.startsWith("TX ")) {
        resolve(l.slice(3).trim());
        lines.close();
        process.stdin.destroy(); // nothing more to read: let node exit when done
      }
    });
    lines.on("close", () => reject(new Error("stdin closed before a TX line")));
  });
  const started = Date.now();
  await page.waitForSelector(`#activity [data-tx="${tx.toLowerCase()}"], #activity [data-tx="${tx}"]`, { timeout: 20000 });
  console.log(`live: transaction ${tx} shown after ${Date.now() - started} ms without reloading`);
  await shot("live");
  check(pageErrors.length === 0, `script errors on the page: ${pageErrors.join("; ")}`);
  console.log("OK");
} catch (e) {
  await shot("failure").catch(() => {});
  console.error(`browser test failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
