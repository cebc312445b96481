"""TLJH plugins: `bootstrap --plugin tljh-new-user --plugin <our test
plugin>` (tests/fixtures/plugins/hubcfg-test-plugin, carried into the
machine), every hook's trace, `hubcfg plugins`, a re-run without --plugin
that keeps them and changes nothing, a new user's home filled by the real
PyPI tljh-new-user, and a raising plugin or a bad spec failing the step
while the hub from before keeps running. Runs after backup_checks (so the
second machine's restore has no plugins) and before uninstall_checks,
whose purge also removes the apt package the test plugin asks for."""

import json
import shlex
from pathlib import Path

from .browser import admin, dummy_user, ensure_dummy_auth
from .core import CheckFailed, expect, scenario, tail, unix_name

FIXTURE = Path(__file__).resolve().parents[2] / "tests/fixtures/plugins/hubcfg-test-plugin"
PLUGIN_DIR = "/root/hubcfg-test-plugin"
PLUGINS = f"--plugin tljh-new-user --plugin {PLUGIN_DIR}"
LOG = "hubcfg-test-plugin.log"
INSTALL_HOOKS = [
    "tljh_config_post_install",
    "tljh_extra_apt_packages",
    "tljh_extra_hub_pip_packages",
    "tljh_extra_user_conda_packages",
    "tljh_extra_user_conda_channels",
    "tljh_extra_user_pip_packages",
    "tljh_post_install",
]
USER = "e2e-plugin-user"


def _bootstrap(c, extra=""):
    if not c.bootstrap:  # the harness's fault, never inverted by E2E_BREAK
        raise CheckFailed("E2E_BOOTSTRAP (the install's curl line) is not set")
    return c.sh(f"{c.bootstrap} {extra}", check=False, timeout=1800)


def _hub_pid(c):
    return c.sh("systemctl show -p MainPID -p InvocationID jupyterhub").stdout


def _trace(c):
    return c.sh(f"cat {c.prefix}/state/{LOG} 2>/dev/null", check=False).stdout


def _carry_plugin(c):
    script = [f"rm -rf {PLUGIN_DIR} && mkdir -p {PLUGIN_DIR}"]
    for f in ("pyproject.toml", "hubcfg_test_plugin.py"):
        script.append(f"printf %s {shlex.quote((FIXTURE / f).read_text())} > {PLUGIN_DIR}/{f}")
    c.sh(" && ".join(script))


@scenario()
def plugins_installed_and_every_hook_runs(c):
    _carry_plugin(c)
    state = f"{c.prefix}/state"
    # tljh-new-user copies new_user_data/ (its mode too) into each new home.
    c.sh(f"install -d -m 0700 {state}/new_user_data && echo hello from the plugin > {state}/new_user_data/hello.txt")
    before = _hub_pid(c)
    p = _bootstrap(c, PLUGINS)
    out = p.stdout + p.stderr
    expect(p.returncode == 0, f"bootstrap {PLUGINS} exited {p.returncode}: {tail(out)}")
    print("    " + "\n    ".join(l for l in out.splitlines() if "TLJH plugins" in l or "conda packages" in l))
    expect("hubcfg-test-conda-package" in out and "NOT installed" in out,
           f"no warning naming the conda package a venv user env cannot take: {tail(out)}")
    recorded = json.loads(c.sh(f"cat {state}/plugins.json").stdout)["specs"]
    expect(recorded == ["tljh-new-user", PLUGIN_DIR], f"state/plugins.json: {recorded}")
    trace = _trace(c)
    for hook in INSTALL_HOOKS + ["tljh_custom_jupyterhub_config"]:
        expect(f"{hook} {state}" in trace, f"{hook} left no trace with cwd {state} in {LOG}:\n{trace}")
    post = json.loads(next(l for l in trace.splitlines() if l.startswith("tljh_post_install")).split(" ", 2)[2])
    expect(post["config_file"] == f"{c.prefix}/config/config.toml" and post["http.port"] == 80,
           f"tljh.config / load_config as the plugin saw them: {post}")
    got = c.hubcfg("--json", "show", "Test.tljh_config_set_by_hubcfg_test_plugin", check=False).stdout.strip()
    expect(got == "true", f"tljh_config_post_install's key in config.toml: {got!r}")
    expect(c.sh("dpkg-query -W -f='${Status}' hello", check=False).stdout.endswith(" installed"),
           "the apt package hello is not installed")
    expect('"package":"hello' in c.sh(f"cat {state}/journal.jsonl").stdout, "the apt package hello is not journaled")
    expect(c.sh(f"{c.prefix}/hub/bin/python3 -c 'import tabulate'", check=False).returncode == 0,
           "the hub pip package tabulate is not in hub/")
    expect(c.sh(f"{c.prefix}/user/bin/python3 -c 'import cowsay'", check=False).returncode == 0,
           "the user pip package cowsay is not in user/")
    header = c.get("/hub/login").headers.get("X-Hubcfg-Test-Plugin")
    expect(header == "custom-config", f"the trait tljh_custom_jupyterhub_config set is not in effect (header {header!r})")
    expect(_hub_pid(c) != before, "the hub did not restart for the plugins' hub packages")
    listing = c.hubcfg("plugins").stdout
    print("    " + "\n    ".join(listing.splitlines()))
    expect("new-user (tljh-new-user 0.1." in listing and "tljh_new_user_create" in listing,
           f"hubcfg plugins does not list tljh-new-user:\n{listing}")
    expect("hubcfg_test (hubcfg-test-plugin 0.1.0): tljh_config_post_install, tljh_custom_jupyterhub_config" in listing,
           f"hubcfg plugins does not list the test plugin's hooks:\n{listing}")


@scenario()
def plugins_new_user_home(c):
    # Made by the admin first: users_checks leaves a users.allowed list.
    ensure_dummy_auth(c)
    admin(c).api("POST", f"/users/{USER}", (201, 409))
    b = dummy_user(c, USER)
    b.spawn()
    unix = unix_name(USER)
    home = c.sh(f"getent passwd {unix} | cut -d: -f6").stdout.strip()
    owner = c.sh(f"stat -c %U {home}/hello.txt", check=False).stdout.strip()
    expect(owner == unix, f"tljh-new-user's hello.txt in {home}: owner {owner!r} (want {unix})")
    expect("hello from the plugin" in c.sh(f"cat {home}/hello.txt").stdout, "hello.txt has other content")
    # A later start of the same user: the account exists, so no hook.
    again = c.sh(f"{c.hubcfg_cmd} ensure-user {USER}").stdout.strip()
    expect(again == unix, f"ensure-user {USER} printed {again!r}")
    made = c.sh(f"cat {home}/hubcfg-test-plugin.txt", check=False).stdout
    expect(made == f"made for {unix}\n", f"the test plugin's tljh_new_user_create file: {made!r}")
    calls = [l for l in _trace(c).splitlines() if l.startswith("tljh_new_user_create")]
    expect(calls == [f"tljh_new_user_create {c.prefix}/state {unix}"],
           f"tljh_new_user_create must run once, at creation (the ensure-user above came later): {calls}")
    b.stop()
    # A raising tljh_new_user_create fails ensure-user (so the spawn), naming the plugin.
    state = f"{c.prefix}/state"
    c.sh(f"echo tljh_new_user_create > {state}/hubcfg-test-plugin.fail")
    try:
        p = c.sh(f"{c.hubcfg_cmd} ensure-user e2e-plugin-fails", check=False)
    finally:
        c.sh(f"rm -f {state}/hubcfg-test-plugin.fail")
    expect(p.returncode != 0 and "the plugin hubcfg_test (hubcfg-test-plugin 0.1.0) failed" in p.stderr,
           f"ensure-user with a raising tljh_new_user_create: exit {p.returncode}: {tail(p.stdout + p.stderr)}")


@scenario()
def plugins_kept_on_rerun(c):
    before = _hub_pid(c)
    p = _bootstrap(c)
    out = p.stdout + p.stderr
    expect(p.returncode == 0, f"the re-run without --plugin exited {p.returncode}: {tail(out)}")
    lines = [l for l in out.splitlines() if "TLJH plugins" in l]
    print("    " + "\n    ".join(lines))
    expect(len(lines) == 2 and all("already up to date" in l for l in lines),
           f"the plugin steps of a re-run with nothing new: {lines}")
    expect(_hub_pid(c) == before, "the re-run restarted the hub")
    listing = c.hubcfg("plugins").stdout
    expect("tljh-new-user" in listing and PLUGIN_DIR in listing, f"hubcfg plugins after the re-run:\n{listing}")


@scenario()
def plugins_failure_keeps_the_hub(c):
    state = f"{c.prefix}/state"
    before = _hub_pid(c)
    c.sh(f"echo tljh_config_post_install > {state}/hubcfg-test-plugin.fail")
    try:
        p = _bootstrap(c)
    finally:
        c.sh(f"rm -f {state}/hubcfg-test-plugin.fail")
    out = p.stdout + p.stderr
    expect(p.returncode != 0, f"bootstrap with a raising plugin exited 0: {tail(out)}")
    expect("the plugin hubcfg_test (hubcfg-test-plugin 0.1.0) failed" in out and "RuntimeError" in out,
           f"the failure does not name the plugin and its traceback: {tail(out)}")
    lines = out.splitlines()
    at = next(i for i, l in enumerate(lines) if "TLJH plugins failed" in l)
    print("    " + "\n    ".join(lines[at:at + 12]))
    expect(c.hub_api_ok() and _hub_pid(c) == before, "the hub from before stopped or restarted")
    p = _bootstrap(c, "--plugin /nonexistent/hubcfg-no-such-plugin")
    out = p.stdout + p.stderr
    expect(p.returncode != 0 and "`/nonexistent/hubcfg-no-such-plugin` could not be installed" in out,
           f"a spec pip cannot install: exit {p.returncode}: {tail(out)}")
    recorded = json.loads(c.sh(f"cat {state}/plugins.json").stdout)["specs"]
    expect(recorded == ["tljh-new-user", PLUGIN_DIR], f"the bad spec was recorded: {recorded}")
    expect(c.hub_api_ok() and _hub_pid(c) == before, "the hub from before stopped or restarted")


@scenario()
def plugins_removed(c):
    """`hubcfg plugins remove` with the spec `hubcfg plugins` shows: the
    spec leaves plugins.json, the package leaves hub/, and after a reload
    the hub no longer runs its tljh_custom_jupyterhub_config."""
    state = f"{c.prefix}/state"
    r = c.hubcfg("plugins", "remove", PLUGIN_DIR, check=False)
    expect(r.returncode == 0 and "uninstalled hubcfg-test-plugin from" in r.stdout, f"plugins remove exited {r.returncode}: {tail(r.stdout + r.stderr)}")
    print("    " + "\n    ".join(r.stdout.splitlines()))
    recorded = json.loads(c.sh(f"cat {state}/plugins.json").stdout)["specs"]
    expect(recorded == ["tljh-new-user"], f"state/plugins.json after the removal: {recorded}")
    listing = c.hubcfg("plugins").stdout
    expect("hubcfg_test" not in listing and "new-user (tljh-new-user 0.1." in listing, f"hubcfg plugins after the removal:\n{listing}")
    c.hubcfg("reload")
    header = c.get("/hub/login").headers.get("X-Hubcfg-Test-Plugin")
    expect(header is None, f"the removed plugin's trait is still in effect after reload (header {header!r})")
    bad = c.hubcfg("plugins", "remove", "no-such-plugin", check=False)
    expect(bad.returncode != 0 and "no TLJH plugin `no-such-plugin`" in bad.stderr, f"removing an unknown plugin: exit {bad.returncode}: {tail(bad.stdout + bad.stderr)}")
