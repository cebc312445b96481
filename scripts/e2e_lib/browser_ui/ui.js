// One browser check against the hub, driven by scripts/e2e_lib/browser_checks.py.
// Request (JSON on stdin): {check, hub, chromium, artifacts, user, password, ...}.
// Reply (JSON on stdout): what the page showed ({...facts}, or {error}); the
// Python side judges it. Every run leaves ARTIFACTS/CHECK.png (the last page)
// and ARTIFACTS/CHECK.console.log (the browser console and page errors).
// Every wait is for a UI state, with a deadline; no sleeps.
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const SPAWN_MS = 180_000;
const UI_MS = 60_000;

async function login(page, req, next) {
  await page.goto(`${req.hub}/hub/login?next=${encodeURIComponent(next)}`);
  await page.fill("#username_input", req.user);
  await page.fill("#password_input", req.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith("/hub/login"), { timeout: UI_MS }), page.click("#login_submit")]);
}

async function menu(page, top, item) {
  await page.locator(".lm-MenuBar-item", { hasText: top }).click();
  await page.getByRole("menuitem", { name: item, exact: true }).click();
}

// Types code into the first cell and runs it (Ctrl+Enter); returns its output.
// JupyterLab 4.6 sometimes drops a run issued just after a new notebook's
// kernel reports idle (the prompt stays "[ ]:"): run again, at most 3 times,
// each time waiting for the prompt to show "[*]:" or a count.
async function runCell(page, code, facts) {
  const panel = page.locator(".jp-NotebookPanel:visible");
  await panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').waitFor({ timeout: UI_MS });
  const cell = panel.locator(".jp-CodeCell").first();
  await cell.locator(".cm-content").click();
  await page.keyboard.type(code);
  const prompt = cell.locator(".jp-InputArea-prompt");
  for (facts.run_attempts = 1; ; facts.run_attempts++) {
    await cell.locator(".cm-content").click();
    await page.keyboard.press("Control+Enter");
    try {
      await prompt.filter({ hasText: /\[(\*|\d+)\]/ }).waitFor({ timeout: 15_000 });
      break;
    } catch (e) {
      if (facts.run_attempts >= 3) throw e;
    }
  }
  const out = cell.locator(".jp-OutputArea-output");
  await out.first().waitFor({ timeout: UI_MS });
  return (await out.first().innerText()).trim();
}

// Log in, JupyterLab draws, a new notebook runs 5 * 4, log out from the File menu.
async function lab(page, req, facts) {
  await login(page, req, "/hub/");
  await page.locator(".jp-Launcher").waitFor({ timeout: SPAWN_MS });
  facts.launcher_url = page.url();
  await page.locator('.jp-LauncherCard[data-category="Notebook"]').first().click();
  facts.output = await runCell(page, req.code, facts);
  // Before overrides.json turned it off, this toast was up by now.
  facts.news_prompts = await page.getByText("official Jupyter news").count();
  await page.screenshot({ path: path.join(req.artifacts, "jupyterlab.png") });
  await Promise.all([page.waitForURL(/\/hub\/(login|logout)/, { timeout: UI_MS }), menu(page, "File", "Log Out")]);
  await page.locator("#username_input").waitFor({ timeout: UI_MS });
  facts.after_logout_url = page.url();
  await page.goto(`${req.hub}/hub/home`);
  facts.home_after_logout_url = page.url();
}

async function hubApi(req, apiPath) {
  const r = await fetch(`${req.hub}/hub/api${apiPath}`, { headers: { Authorization: `token ${req.token}` } });
  return r.json();
}

// The admin page lists the users; the admin starts and stops req.other's server with its buttons.
async function admin(page, req, facts) {
  await login(page, req, "/hub/admin");
  await page.goto(`${req.hub}/hub/admin`);
  const row = page.locator(`tr[data-testid="user-row-${req.other}"]`);
  await row.waitFor({ timeout: UI_MS });
  facts.listed = await page.locator('[data-testid^="user-name-div-"]').allInnerTexts();
  await row.getByRole("button", { name: "Start Server" }).click();
  facts.stop_button_shown = await untilInRow(page, row, "Stop Server", SPAWN_MS);
  facts.api_after_start = (await hubApi(req, `/users/${req.other}`)).servers;
  await row.getByRole("button", { name: "Stop Server" }).click();
  facts.start_button_shown = await untilInRow(page, row, "Start Server", UI_MS);
  facts.api_after_stop = (await hubApi(req, `/users/${req.other}`)).servers;
}

// The admin page redraws a row after its own requests, not when a spawn
// finishes: look for the button, reload the page, until the deadline.
async function untilInRow(page, row, button, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await row.getByRole("button", { name: button }).waitFor({ timeout: 5_000 });
      return true;
    } catch {
      await page.reload();
      await row.waitFor({ timeout: UI_MS });
    }
  }
  return false;
}

// default_app classic: after login the server opens Notebook 7's file tree.
async function classic(page, req, facts) {
  await login(page, req, "/hub/");
  await page.locator(".jp-DirListing-content").waitFor({ timeout: SPAWN_MS });
  facts.url = page.url();
  facts.title = await page.title();
  facts.lab_shell = await page.locator(".jp-LabShell").count();
  facts.tabs = await page.locator(".lm-TabBar-tabLabel").allInnerTexts();
}

// The nbgitpuller link: the notebook it names opens in JupyterLab.
async function gitpull(page, req, facts) {
  await login(page, req, req.link);
  const cell = page.locator(".jp-NotebookPanel:visible .jp-Cell .cm-content").first();
  await cell.locator(".cm-line", { hasText: /\S/ }).first().waitFor({ timeout: SPAWN_MS });
  facts.url = page.url();
  facts.first_cell = await cell.innerText();
  facts.tab = await page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current").innerText();
}

const CHECKS = { lab, admin, classic, gitpull };

async function main() {
  const req = JSON.parse(fs.readFileSync(0, "utf8"));
  fs.mkdirSync(req.artifacts, { recursive: true });
  const facts = {};
  const consoleLines = [];
  const browser = await chromium.launch({
    executablePath: req.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("console", (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => consoleLines.push(`pageerror: ${e.message}`));
  try {
    await CHECKS[req.check](page, req, facts);
  } catch (e) {
    facts.error = `${e.message.split("\n")[0]} (at ${page.url()})`;
  }
  await page.screenshot({ path: path.join(req.artifacts, `${req.check}.png`) }).catch(() => {});
  fs.writeFileSync(path.join(req.artifacts, `${req.check}.console.log`), consoleLines.join("\n") + "\n");
  await browser.close();
  process.stdout.write(JSON.stringify(facts) + "\n");
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: `ui.js: ${e.message}` }) + "\n");
  process.exit(1);
});
