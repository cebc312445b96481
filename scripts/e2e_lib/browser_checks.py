"""A real browser against the hub: Debian's chromium driven by Playwright
(browser_ui/ui.js, one check per call, JSON in and out). scripts/e2e
prepares the tools (prepare.sh browser_tools) when a browser_* scenario is
selected and sets E2E_CHROMIUM, E2E_BROWSER_NODE_PATH and E2E_ARTIFACTS.

Each scenario gets E2E_ARTIFACTS/browser/NAME/ for ui.js's screenshots and
console logs: kept when it fails (the failure names it), removed when it
passes, except the working JupyterLab's screenshot, kept as
E2E_ARTIFACTS/jupyterlab.png."""

import functools
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, urlparse

from .browser import admin, dummy_user, ensure_dummy_auth
from .core import CheckFailed, expect, scenario, tail, unix_name
from .gitrepo import DATA, NOTEBOOK, GitRepo

UI_JS = Path(__file__).parent / "browser_ui" / "ui.js"
PASSWORD = "any-password"  # dummy auth takes any


def artifacts_root():
    root = os.environ.get("E2E_ARTIFACTS") or os.path.join(tempfile.gettempdir(), "hubcfg-e2e-artifacts")
    os.makedirs(root, exist_ok=True)
    return root


def browser_scenario(fn):
    """A scenario whose ui() calls write into its own artifacts directory."""

    @functools.wraps(fn)
    def run(c):
        out = os.path.join(artifacts_root(), "browser", fn.__name__)
        shutil.rmtree(out, ignore_errors=True)
        c.state["artifacts"] = out
        try:
            fn(c)
        except CheckFailed as e:
            raise CheckFailed(f"{e}\n      screenshots and browser console logs: {out}") from e
        lab_png = os.path.join(out, "jupyterlab.png")
        if os.path.exists(lab_png):
            os.replace(lab_png, os.path.join(artifacts_root(), "jupyterlab.png"))
        shutil.rmtree(out, ignore_errors=True)

    return scenario(fn.__name__)(run)


def ui(c, check, **req):
    """Runs ui.js's CHECK; returns the facts it saw (an "error" key when a UI
    state did not come in time)."""
    node_path, chromium = os.environ.get("E2E_BROWSER_NODE_PATH"), os.environ.get("E2E_CHROMIUM")
    if not node_path or not chromium:
        raise CheckFailed("E2E_BROWSER_NODE_PATH/E2E_CHROMIUM are unset: scripts/e2e sets them (prepare.sh browser_tools)")
    req = {"check": check, "hub": c.hub, "chromium": chromium, "artifacts": c.state["artifacts"], "password": PASSWORD, **req}
    env = {**os.environ, "NODE_PATH": node_path}
    p = subprocess.run(["node", str(UI_JS)], input=json.dumps(req), env=env, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise CheckFailed(f"ui.js {check} exited {p.returncode} without an answer: {tail(p.stdout + p.stderr)}")


def no_error(facts, what):
    """A UI state that never came fails the check (E2E_BREAK or not: the
    expectations after it are the ones it inverts)."""
    if "error" in facts:
        raise CheckFailed(f"{what}: {facts['error']}")


def hub_user(c, name):
    """Dummy auth, and NAME made by the admin through the API: the hub then
    lets it log in even when users.allowed lists others (users_checks adds some)."""
    ensure_dummy_auth(c)
    admin(c).api("POST", f"/users/{name}", (201, 409))
    return name


def stop_server(c, name):
    """The user's server stopped (through the admin's API), so the next scenario starts clean."""
    a = admin(c)
    a.api("DELETE", f"/users/{name}/server", (202, 204, 400, 404))


@browser_scenario
def browser_lab(c):
    name = hub_user(c, "e2e-ui-lab")
    facts = ui(c, "lab", user=name, code="5 * 4")
    stop_server(c, name)
    no_error(facts, "JupyterLab in the browser")
    expect("/lab" in urlparse(facts["launcher_url"]).path, f"the launcher drew at {facts['launcher_url']}, not under /lab")
    expect(facts["output"] == "20", f"the cell 5 * 4 showed {facts['output']!r}, not 20")
    print(f"    the cell 5 * 4 showed {facts['output']} (runs issued: {facts['run_attempts']})")
    expect(facts["news_prompts"] == 0, "JupyterLab asks about official Jupyter news (user/share/jupyter/lab/settings/overrides.json)")
    expect("/hub/log" in facts["after_logout_url"], f"Log Out ended at {facts['after_logout_url']}")
    expect("/hub/login" in facts["home_after_logout_url"], f"after logging out, /hub/home opened {facts['home_after_logout_url']}")


@browser_scenario
def browser_admin(c):
    a, other = admin(c), hub_user(c, "e2e-ui-other")
    facts = ui(c, "admin", user=c.admin_name, password=c.admin_password, other=other, token=a.get_token())
    stop_server(c, other)
    no_error(facts, "the admin page")
    expect({c.admin_name, other} <= set(facts["listed"]), f"the admin page lists {facts['listed']}")
    expect(facts["stop_button_shown"], "after Start Server the row never showed Stop Server")
    started = facts["api_after_start"].get("", {})
    expect(started.get("ready") is True, f"after Start Server the API shows {other}'s servers as {facts['api_after_start']}")
    expect(facts["start_button_shown"], "after Stop Server the row never showed Start Server")
    expect(facts["api_after_stop"] == {}, f"after Stop Server the API shows {other}'s servers as {facts['api_after_stop']}")


@browser_scenario
def browser_classic(c):
    name = hub_user(c, "e2e-ui-classic")
    c.hubcfg("set", "user_environment.default_app", "classic")
    try:
        c.reload("hub")
        facts = ui(c, "classic", user=name)
        stop_server(c, name)
    finally:
        c.hubcfg("unset", "user_environment.default_app")
        c.reload("hub")
    no_error(facts, "the classic interface")
    expect(urlparse(facts["url"]).path.rstrip("/").endswith(f"/user/{name}/tree"), f"the file tree drew at {facts['url']}")
    expect(facts["lab_shell"] == 0, "the page is JupyterLab's shell, not Notebook 7's")
    expect({"Files", "Running"} <= set(facts["tabs"]), f"Notebook 7's tree shows the tabs {facts['tabs']}, not Files and Running")


LOCAL_DATA = "x,y\n1,2\n3,4\n5,6\n"  # the participant's edit of data.csv
TEACHER_DATA = "x,y\n1,2\n3,4\n7,8\n"  # the teacher's change of the same line
TEACHER_README = "# Workshop\n\nOpen intro.ipynb, then part2.ipynb.\n"


@browser_scenario
def browser_nbgitpuller(c):
    """nbgitpuller's documented merge: the teacher's new and changed files
    come in; where both changed the same content, the participant's wins."""
    name = hub_user(c, "e2e-ui-puller")
    home = f"/home/{unix_name(name)}/workshop"

    def cat(path):
        return c.sh(f"cat {shlex.quote(home + '/' + path)}", check=False).stdout

    with GitRepo() as repo:
        link = f"/hub/user-redirect/git-pull?repo={quote(repo.url, safe='')}&branch=main&urlpath={quote(f'lab/tree/workshop/{NOTEBOOK}', safe='')}"
        try:
            first = ui(c, "gitpull", user=name, link=link)
            no_error(first, "the first nbgitpuller click")
            expect(first["url"].split("?")[0].endswith(f"/user/{name}/lab/tree/workshop/{NOTEBOOK}"), f"the link opened {first['url']}")
            expect(first["tab"].strip() == NOTEBOOK, f"the open tab is {first['tab']!r}, not {NOTEBOOK}")
            expect("open('data.csv')" in first["first_cell"], f"the notebook's first cell shows {first['first_cell']!r}")
            expect(cat(DATA) == repo.read(DATA), f"{home}/{DATA} after the first click: {cat(DATA)!r}")

            b = dummy_user(c, name)
            r = b.server_api("PUT", f"/contents/workshop/{DATA}", json={"type": "file", "format": "text", "content": LOCAL_DATA})
            expect(r.status_code == 200, f"saving the participant's {DATA} answered {r.status_code}: {r.text[:200]}")
            repo.push({DATA: TEACHER_DATA, "README.md": TEACHER_README, "part2.ipynb": repo.read(NOTEBOOK)}, "teacher: part 2")

            second = ui(c, "gitpull", user=name, link=link)
            no_error(second, "the second nbgitpuller click")
            expect(cat("README.md") == TEACHER_README, f"the teacher's README.md did not come in: {cat('README.md')!r}")
            expect(cat("part2.ipynb") == repo.read(NOTEBOOK), "the teacher's new part2.ipynb did not come in")
            expect(cat(DATA) == LOCAL_DATA, f"the participant's {DATA} edit was not kept: {cat(DATA)!r}")
        except CheckFailed as e:
            raise CheckFailed(f"{e}\n      git server requests: {repo.server.requests[-6:]}") from e
        finally:
            stop_server(c, name)
