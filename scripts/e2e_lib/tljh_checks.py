"""Adopting a TLJH install (machine="tljh": a fresh container, nothing
installed). TLJH is not on PyPI, so `tljh_machine` builds its layout from
what tljh-reference.md describes: the hub venv from PyPI with a stand-in
`tljh/jupyterhub_config.py` (e2e_lib/tljh/), TLJH-shaped units and
traefik.toml, tests/fixtures/tljh/e2e-config.yaml, a venv user env with a
package a teacher added, accounts TLJH made for odd names; then real state
from running that hub (FirstUse passwords by logging in, a session cookie,
an API token, a group, a stopped named server). `tljh_adoption_rollback`
breaks hubcfg's hub on purpose and checks that bootstrap puts TLJH back;
`tljh_adoption` runs the good bootstrap and checks that everything still
works under hubcfg, the TLJH plugin in hub/ too; `tljh_uninstall_gives_tljh_back`
gives the machine back to TLJH."""

import hashlib
import json
import re
import shlex
import tomllib
from pathlib import Path

import requests

from .browser import Browser
from .core import CheckFailed, expect, scenario, tail, unix_name, wait_for

HERE = Path(__file__).parent / "tljh"
FIXTURES = Path(__file__).parents[2] / "tests/fixtures/tljh"
USERS = {"e2e-tljh-admin": "tljh-admin-pass-1", "e2e-tljh-ann": "tljh-ann-pass-2", "e2e-tljh-bob": "tljh-bob-pass-3"}
# Accounts TLJH made on Ubuntu: its name as it was (`@`, `.`), and its
# hashed name for a long one; each holds a file.
ODD = ["e2e.dot@example.org", "e2e-tljh-participant-with-a-long-name"]
EXTRA_PACKAGE = "tabulate"
BREAK_FILE = "config/jupyterhub_config.d/e2e-breaks-only-hubcfg.py"
# Loaded by both hubs (TLJH's escape hatch); only hubcfg's unit sets
# HUBCFG_HUB_CONFIG, so only hubcfg's hub fails to start.
BREAK = 'import os\nif os.environ.get("HUBCFG_HUB_CONFIG"):\n    raise SystemExit("e2e: breaks hubcfg\'s hub on purpose")\n'
# A TLJH plugin TLJH installed into hub/ (as `--plugin tljh-new-user` did);
# adoption records it, and it copies state/new_user_data/ into new homes.
TLJH_PLUGIN = "tljh-new-user"
HUB_PIP = [TLJH_PLUGIN, "jupyterhub>=5.2,<6", "jupyterhub-firstuseauthenticator>=1.1,<2", "jupyterhub-traefik-proxy>=2,<3", "jupyterhub-systemdspawner>=1.0.2,<2", "ruamel.yaml>=0.18,<0.19"]


def tljh_account(name):
    """TLJH's account for a hub name: jupyter-NAME, cut to 26 + '-' + 5 hex
    of its sha256 when long; any characters kept (Ubuntu's useradd took them)."""
    full = "jupyter-" + name
    return full if len(full) < 26 else full[:26] + "-" + hashlib.sha256(full.encode()).hexdigest()[:5]


def put(c, path, text, mode="600"):
    c.sh(f"install -D -m {mode} /dev/stdin {path} <<'E2E_EOF'\n{text}\nE2E_EOF")


def adoption_line(c):
    """The install's curl line as a TLJH admin would run it: the TLJH admin,
    no --user-env (the kind comes from user/)."""
    if not c.bootstrap:  # the harness's fault, never inverted by E2E_BREAK
        raise CheckFailed("E2E_BOOTSTRAP (the install's curl line) is not set")
    line = re.sub(r"--admin \S+", "--admin e2e-tljh-admin", c.bootstrap)
    return re.sub(r"--user-env \S+ ", "", line)


def sha(c, rel):
    return c.sh(f"sha256sum {c.prefix}/{rel} | cut -c1-64").stdout.strip()


def logged_in(c, cookie):
    s = requests.Session()
    s.cookies.set("jupyterhub-hub-login", cookie, path="/hub/")
    r = s.get(f"{c.hub}/hub/home", allow_redirects=False, timeout=30)
    return r.status_code == 200


def build_layout(c):
    p = c.prefix
    c.sh("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null", timeout=900)
    pip = " ".join(shlex.quote(r) for r in HUB_PIP)
    c.sh(f"python3 -m venv {p}/hub && {p}/hub/bin/pip install -q --no-input {pip}", timeout=900)
    url = re.search(r"--traefik-url (\S+)", c.bootstrap).group(1)
    c.sh(f"curl -fsSL {url} | tar -xz -C {p}/hub/bin traefik && chmod 755 {p}/hub/bin/traefik")
    site = c.sh(f"{p}/hub/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])'").stdout.strip()
    put(c, f"{site}/tljh/__init__.py", "", "644")
    put(c, f"{site}/tljh/jupyterhub_config.py", (HERE / "jupyterhub_config.py").read_text(), "644")
    for unit in ("jupyterhub.service", "traefik.service"):
        text = (HERE / unit).read_text().replace("@PREFIX@", p).replace("@SITE@", site)
        put(c, f"/etc/systemd/system/{unit}", text, "644")
    c.sh(f"install -d -m 700 {p}/state {p}/state/rules {p}/config {p}/config/jupyterhub_config.d")
    put(c, f"{p}/state/traefik.toml", (HERE / "traefik.toml").read_text().replace("@PREFIX@", p))
    put(c, f"{p}/state/rules/dynamic.toml", "# TLS settings would be here (https is off)")
    c.sh(f"install -d -m 0700 {p}/state/new_user_data && echo hello from the TLJH plugin > {p}/state/new_user_data/hello.txt")
    c.sh(f"install -m 600 /dev/null {p}/state/rules/rules.toml && install -m 600 /dev/null {p}/state/acme.json")
    # TLJH writes the secret with the default umask.
    c.sh(f"{p}/hub/bin/python3 -c 'import secrets; print(secrets.token_hex(32), end=\"\")' > {p}/state/traefik-api.secret")
    put(c, f"{p}/config/config.yaml", (FIXTURES / "e2e-config.yaml").read_text().rstrip("\n"), "644")
    c.sh(f"python3 -m venv {p}/user && {p}/user/bin/pip install -q --no-input {EXTRA_PACKAGE}", timeout=600)
    c.sh("groupadd -f jupyterhub-users && groupadd -f jupyterhub-admins")
    for name in ODD:
        acct = tljh_account(name)
        c.sh(f"useradd --badname --create-home --shell /bin/bash {shlex.quote(acct)} && usermod -aG jupyterhub-users {shlex.quote(acct)} && chmod o-rwx /home/{shlex.quote(acct)}")
        c.sh(f"echo 'written under TLJH by {name}' > /home/{shlex.quote(acct)}/tljh-notes.txt && chown {shlex.quote(acct)}: /home/{shlex.quote(acct)}/tljh-notes.txt")
    c.sh("systemctl daemon-reload && systemctl enable -q --now traefik jupyterhub")
    wait_for(c.hub_api_ok, 120, "TLJH's hub to answer")


@scenario(machine="tljh")
def tljh_machine(c):
    build_layout(c)
    admin = Browser(c).must_login("e2e-tljh-admin", USERS["e2e-tljh-admin"])
    for name in ("e2e-tljh-ann", "e2e-tljh-bob"):
        Browser(c).must_login(name, USERS[name])
    ann = Browser(c).must_login("e2e-tljh-ann", USERS["e2e-tljh-ann"])
    cookie = next(k.value for k in ann.s.cookies if k.name == "jupyterhub-hub-login")
    token = admin.get_token()
    admin.api("POST", "/groups/tljh-course", (201,), json={"users": ["e2e-tljh-ann"]})
    p = c.prefix
    put(c, "/root/e2e-named-server.py", (HERE / "named_server.py").read_text())
    request = shlex.quote(json.dumps({"user": "e2e-tljh-ann", "server": "project"}))
    c.sh(f"systemctl stop jupyterhub && cd {p}/state && echo {request} | {p}/hub/bin/python3 /root/e2e-named-server.py && systemctl start jupyterhub")
    wait_for(c.hub_api_ok, 120, "TLJH's hub to answer after the restart")
    r = c.get("/hub/api/users/e2e-tljh-ann?include_stopped_servers", headers={"Authorization": f"token {token}"})
    expect(r.status_code == 200 and "project" in r.json().get("servers", {}), f"the named server under TLJH: {r.status_code} {r.text[:300]}")
    expect(logged_in(c, cookie), "ann's session cookie is refused by TLJH's hub after its restart")
    expect(not Browser(c).login("e2e-tljh-ann", "wrong-password"), "TLJH's hub let ann in with a wrong password")
    version = c.sh(f"{p}/user/bin/python3 -c 'import {EXTRA_PACKAGE}; print({EXTRA_PACKAGE}.__version__)'").stdout.strip()
    hashes = {f: sha(c, f) for f in ("state/jupyterhub_cookie_secret", "state/traefik-api.secret", "state/acme.json")}
    c.state["tljh"] = {"cookie": cookie, "token": token, "version": version, "hashes": hashes}
    print(f"    TLJH-shaped hub up: 3 users logged in, a token, group tljh-course, server 'project', {EXTRA_PACKAGE} {version} in user/")


def made(c):
    if "tljh" not in c.state:  # the harness's order, not a check to invert
        raise CheckFailed("tljh_machine did not run or failed: no TLJH machine to adopt")
    return c.state["tljh"]


@scenario(machine="tljh")
def tljh_adoption_stops_early(c):
    """A step before the services step fails (a plugin spec that does not
    install): TLJH's units and files were not touched, so nothing restarts;
    the converted config.toml is set aside and TLJH's hub answers on."""
    made_ = made(c)
    p = c.prefix
    r = c.sh(adoption_line(c) + " --plugin /root/no-such-plugin", check=False, timeout=1200)
    out = r.stdout + r.stderr
    expect(r.returncode != 0, f"bootstrap succeeded with a plugin that does not exist: {tail(out)}")
    expect("TLJH plugins failed" in out, f"the plugins step did not fail: {tail(out, 25)}")
    expect("bootstrap stopped before hubcfg's hub started, so the TLJH install was rolled back" in out and "nothing was restarted" in out, f"no early rollback said: {tail(out, 25)}")
    expect("/tljh/jupyterhub_config.py" in c.sh("cat /etc/systemd/system/jupyterhub.service").stdout, "jupyterhub.service is not TLJH's")
    kept = c.sh(f"ls {p}/config").stdout.split()
    expect("config.yaml" in kept and "config.toml" not in kept and "config.toml.failed-adoption" in kept, f"config/ after the early stop: {kept}")
    expect(c.hub_api_ok() and logged_in(c, made_["cookie"]), "TLJH's hub or its session cookie stopped working")
    print("    " + "\n    ".join(r.stderr.splitlines()[-10:]))


@scenario(machine="tljh")
def tljh_adoption_rollback(c):
    made_ = made(c)
    p = c.prefix
    put(c, f"{p}/{BREAK_FILE}", BREAK, "644")
    r = c.sh(adoption_line(c) + " --hub-timeout 20", check=False, timeout=1200)
    out = r.stdout + r.stderr
    c.sh(f"rm -f {p}/{BREAK_FILE}")
    expect(r.returncode != 0, f"bootstrap succeeded with hubcfg's hub broken on purpose: {tail(out)}")
    expect("so the TLJH install was rolled back" in out and "TLJH runs as before" in out, f"no rollback said: {tail(out, 25)}")
    expect("/etc/systemd/system/jupyterhub.service put back" in out, f"the units were not put back: {tail(out, 25)}")
    said = f"recorded in state/plugins.json and re-installed and upgraded by every bootstrap: {TLJH_PLUGIN} (from the package index)"
    expect(said in out, f"bootstrap did not say it keeps TLJH's plugin {TLJH_PLUGIN}: {tail(out, 25)}")
    unit = c.sh("cat /etc/systemd/system/jupyterhub.service").stdout
    expect("/tljh/jupyterhub_config.py" in unit, f"jupyterhub.service is not TLJH's after the rollback:\n{unit}")
    expect(c.hub_api_ok(), "TLJH's hub does not answer after the rollback")
    expect(logged_in(c, made_["cookie"]), "the old session cookie is refused after the rollback")
    kept = c.sh(f"ls {p}/config").stdout.split()
    expect("config.yaml" in kept and "config.toml" not in kept and "config.toml.failed-adoption" in kept, f"config/ after the rollback: {kept}")
    print("    " + "\n    ".join(r.stdout.splitlines() + r.stderr.splitlines()[-12:]))


@scenario(machine="tljh")
def tljh_adoption(c):
    made_ = made(c)
    p = c.prefix
    run = c.sh(adoption_line(c), check=False, timeout=1200)
    out = run.stdout + run.stderr
    expect(run.returncode == 0, f"the adoption failed ({run.returncode}): {tail(out, 30)}")
    for said in ("adopting the TLJH install in", "kept as they are: state/jupyterhub.sqlite (the hub database)", "user/ is a venv (pyvenv.cfg), kept as it is", "TLJH's config.yaml is now"):
        expect(said in out, f"bootstrap did not say {said!r}: {tail(out, 30)}")
    for name, password in USERS.items():
        expect(Browser(c).login(name, password), f"{name} cannot log in with the password set under TLJH")
    expect(not Browser(c).login("e2e-tljh-bob", "wrong-password"), "bob logs in with a wrong password")
    auth = {"Authorization": f"token {made_['token']}"}
    r = c.get("/hub/api/users", headers=auth)
    expect(r.status_code == 200 and "e2e-tljh-ann" in [u["name"] for u in r.json()], f"TLJH's token: {r.status_code} {r.text[:200]}")
    r = c.get("/hub/api/users/e2e-tljh-ann?include_stopped_servers", headers=auth)
    expect("project" in r.json().get("servers", {}), f"the named server is gone: {r.text[:300]}")
    r = c.get("/hub/api/groups/tljh-course", headers=auth)
    expect(r.status_code == 200 and r.json().get("users") == ["e2e-tljh-ann"], f"the group: {r.status_code} {r.text[:200]}")
    expect(logged_in(c, made_["cookie"]), "the session cookie from TLJH's hub is refused")
    version = c.sh(f"{p}/user/bin/python3 -c 'import {EXTRA_PACKAGE}; print({EXTRA_PACKAGE}.__version__)'", check=False).stdout.strip()
    expect(version == made_["version"], f"{EXTRA_PACKAGE} in user/: {version!r}, was {made_['version']!r}")
    for f, h in made_["hashes"].items():
        expect(sha(c, f) == h, f"{f} changed")
    shown = json.loads(c.hubcfg("--json", "show", "--effective").stdout)
    expected = tomllib.loads((FIXTURES / "e2e-expected-effective.toml").read_text())
    expect(shown == expected, f"show --effective differs from e2e-expected-effective.toml: {diff(shown, expected)}")
    kept = c.sh(f"ls {p}/config").stdout.split()
    expect("config.yaml" not in kept and "config.yaml.migrated-by-hubcfg" in kept, f"config/: {kept}")
    head = c.sh(f"head -n1 {p}/config/config.yaml.migrated-by-hubcfg").stdout
    expect("converted this file to" in head, f"no note at the top of the kept config.yaml: {head}")
    journal = [json.loads(line) for line in c.sh(f"cat {p}/state/journal.jsonl").stdout.splitlines()]
    for unit, mark in (("jupyterhub.service", "/tljh/jupyterhub_config.py"), ("traefik.service", "-c " + p)):
        entry = next((e for e in journal if e.get("kind") == "file" and e.get("path") == f"/etc/systemd/system/{unit}"), None)
        saved = entry and entry["before"].get("saved")
        text = c.sh(f"cat {shlex.quote(saved)}", check=False).stdout if saved else ""
        expect(mark in text, f"the journal keeps no copy of TLJH's {unit} for uninstall: {entry}")
    recorded = json.loads(c.sh(f"cat {p}/state/plugins.json", check=False).stdout or "{}").get("specs")
    expect(recorded == [TLJH_PLUGIN], f"state/plugins.json after the adoption: {recorded}")
    listed = c.hubcfg("plugins").stdout
    expect(f"({TLJH_PLUGIN} " in listed and "tljh_new_user_create" in listed, f"hubcfg plugins:\n{listed}")
    newcomer = "e2e-tljh-newcomer"
    unix = c.hubcfg("ensure-user", newcomer).stdout.strip()
    owner = c.sh(f"stat -c %U /home/{unix}/hello.txt", check=False).stdout.strip()
    expect(owner == unix, f"TLJH's plugin did not give the new user {unix} its hello.txt (owner {owner!r})")
    for name in ODD:
        acct = tljh_account(name)
        got = c.hubcfg("ensure-user", name).stdout.strip()
        expect(got == acct, f"{name} maps to {got!r}, not TLJH's account {acct!r} (hubcfg's own name: {unix_name(name)})")
        st = c.sh(f"stat -c %U /home/{shlex.quote(acct)}/tljh-notes.txt", check=False).stdout.strip()
        expect(st == acct, f"{acct}'s file from TLJH: owner {st!r}")
    print("    " + "\n    ".join(run.stdout.splitlines()))


def diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += [diff(a.get(k), b.get(k), f"{path}.{k}".lstrip("."))] if a.get(k) != b.get(k) else []
        return "; ".join(out)
    return f"{path}: shown {a!r}, expected {b!r}"


@scenario(machine="tljh")
def tljh_odd_account_spawns(c):
    """The hub user with `@` and `.` that TLJH gave its own account on
    Ubuntu: its server now runs as that account and sees its file."""
    made_ = made(c)
    name, acct = ODD[0], tljh_account(ODD[0])
    b = Browser(c)
    b.name, b.token = name, made_["token"]  # the admin's token: starts and reads others' servers
    b.api("POST", f"/users/{name}", (201, 409))
    b.spawn()
    r = b.server_api("GET", "/contents/tljh-notes.txt")
    content = r.json().get("content", "") if r.status_code == 200 else r.text[:200]
    expect(r.status_code == 200 and content.strip() == f"written under TLJH by {name}", f"{name}'s server sees {r.status_code} {content!r}")
    # The spawner names the server's unit after the account.
    user = c.sh(f"systemctl show -p User --value {shlex.quote(acct + '.service')}", check=False).stdout.strip()
    uid = c.sh(f"id -u {shlex.quote(acct)}").stdout.strip()
    expect(user in (acct, uid), f"{name}'s server runs as {user!r}, not TLJH's account {acct!r} (uid {uid})")
    b.stop()
    print(f"    {name}'s server ran as {acct} and read its TLJH file")


@scenario(machine="tljh")
def tljh_adopted_rerun_changes_nothing(c):
    """After the adoption the prefix is hubcfg's: the same line again is an
    ordinary re-run (no adoption notes), every step up to date, nothing restarted."""
    made(c)
    props = "systemctl show -p InvocationID jupyterhub traefik"
    before = c.sh(props).stdout
    r = c.sh(adoption_line(c), check=False, timeout=1200)
    out = r.stdout + r.stderr
    expect(r.returncode == 0, f"the re-run failed ({r.returncode}): {tail(out, 30)}")
    steps = [line for line in out.splitlines() if re.match(r"\[\d+/\d+\] ", line)]
    busy = [line for line in steps[1:] if "already up to date" not in line]
    expect(steps and not busy, f"the re-run did something: {busy or out[-2000:]}")
    expect("adopting the TLJH install" not in out, f"the re-run adopts again: {tail(out)}")
    expect(c.sh(props).stdout == before, "the re-run restarted the hub or Traefik")


@scenario(machine="tljh")
def tljh_uninstall_gives_tljh_back(c):
    """After the adoption, `hubcfg uninstall --yes` gives TLJH back: its
    units and config.yaml, its hub answering on the same state (cookie,
    passwords, token); a second uninstall has nothing to do."""
    made_ = made(c)
    p = c.prefix
    copy = "/root/hubcfg-uninstall-copy"  # the installed binary goes with the uninstall
    c.sh(f"cp {p}/bin/hubcfg {copy}")
    kinds = [json.loads(line).get("kind") for line in c.sh(f"cat {p}/state/journal.jsonl").stdout.splitlines()]
    expect("adopted" in kinds, f"the journal does not record the adoption: {kinds}")
    r = c.sh(f"{copy} uninstall --yes", check=False, timeout=900)
    out = r.stdout + r.stderr
    expect(r.returncode == 0, f"uninstall exited {r.returncode}: {tail(out, 30)}")
    expect("TLJH's hub answers at" in out and "TLJH runs its hub again" in out, f"uninstall did not say TLJH is back: {tail(out, 30)}")
    for unit, mark in (("jupyterhub.service", "/tljh/jupyterhub_config.py"), ("traefik.service", f"-c {p}/state/traefik.toml")):
        text = c.sh(f"cat /etc/systemd/system/{unit}", check=False).stdout
        expect(mark in text, f"{unit} is not TLJH's after uninstall:\n{text}")
    original = (FIXTURES / "e2e-config.yaml").read_text().rstrip("\n") + "\n"
    expect(c.sh(f"cat {p}/config/config.yaml", check=False).stdout == original, "config.yaml is not the one TLJH had")
    kept = c.sh(f"ls {p}/config").stdout.split()
    expect("config.toml.hubcfg" in kept and "config.toml" not in kept and "config.yaml.migrated-by-hubcfg" not in kept, f"config/ after uninstall: {kept}")
    gone = c.sh(f"ls -d {p}/bin/hubcfg {p}/hub/etc/jupyterhub_config.py {p}/state/hub-config.json {p}/state/hubcfg-hub-token {p}/state/plugins.json {p}/hub/lib/python3*/site-packages/hubcfg_hub* 2>/dev/null", check=False).stdout.split()
    expect(not gone, f"hubcfg's files are still there: {gone}")
    expect(c.hub_api_ok(), "TLJH's hub does not answer after uninstall")
    expect(logged_in(c, made_["cookie"]), "ann's session cookie is refused by TLJH's hub after uninstall")
    expect(Browser(c).login("e2e-tljh-bob", USERS["e2e-tljh-bob"]), "bob cannot log in to TLJH's hub with his password after uninstall")
    expect(not Browser(c).login("e2e-tljh-bob", "wrong-password"), "TLJH's hub lets bob in with a wrong password after uninstall")
    r2 = c.get("/hub/api/users", headers={"Authorization": f"token {made_['token']}"})
    expect(r2.status_code == 200 and "e2e-tljh-ann" in [u["name"] for u in r2.json()], f"the token under TLJH again: {r2.status_code} {r2.text[:200]}")
    for f, h in made_["hashes"].items():
        expect(sha(c, f) == h, f"{f} changed")
    again = c.sh(f"{copy} uninstall --yes", check=False)
    expect(again.returncode == 0 and again.stdout.startswith("nothing to do"), f"the second uninstall did something: {tail(again.stdout + again.stderr)}")
    print("    " + "\n    ".join(r.stdout.splitlines()))
