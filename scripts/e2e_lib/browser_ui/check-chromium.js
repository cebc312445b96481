// Usage: node check-chromium.js CHROMIUM
// First line: the Chromium major playwright-core was released for and the
// installed one's version; exit 1 when the majors differ (the pin in
// package.json must follow Debian's chromium).
const { execFileSync } = require("child_process");
const path = require("path");

const chromium = process.argv[2];
const core = path.dirname(require.resolve("playwright-core/package.json"));
const { version } = require(path.join(core, "package.json"));
const expected = require(path.join(core, "browsers.json")).browsers.find((b) => b.name === "chromium").browserVersion;
let installed = "";
try {
  installed = execFileSync(chromium, ["--version"], { encoding: "utf8" }).trim();
} catch (e) {
  installed = `not runnable (${e.message.split("\n")[0]})`;
}
const major = (v) => (v.match(/(\d+)\.\d+\.\d+/) || [])[1];
console.log(`playwright-core ${version} expects Chromium ${major(expected)} (${expected}); ${chromium} is ${installed}`);
if (major(expected) !== major(installed)) {
  console.log("the majors differ: pin the playwright-core release made for this Chromium in scripts/e2e_lib/browser_ui/package.json");
  process.exit(1);
}
