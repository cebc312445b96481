"""`hubcfg backup` on a running hub, then `hubcfg restore` into a second,
fresh machine (machine="second": scripts/e2e boots it after the first's
checks, without installing). The two share the carry directory
(E2E_CARRY inside both machines): the archive and what the first machine
made (passwords, the token, the file written), to check on the second."""

import json
import os
import shlex

from .browser import Browser
from .core import CheckFailed, expect, scenario, tail, unix_name

USERS = {"e2e-bk-ann": "bk-ann-pass-1", "e2e-bk-bob": "bk-bob-pass-2"}
FILE = "backup-proof/notes.txt"
CONTENT = "written through the contents API before the backup\n"


def _carry(c):
    return os.environ.get("E2E_CARRY", "/root/e2e-carry")


def _restore_line(c, archive):
    """The install's curl line with --restore (bootstrap.sh then runs `hubcfg restore`)."""
    if not c.bootstrap:  # the harness's fault, never inverted by E2E_BREAK
        raise CheckFailed("E2E_BOOTSTRAP (the install's curl line) is not set")
    return f"{c.bootstrap} --restore {shlex.quote(archive)}"


def _first_use(c):
    if c.state.get("dummy") or "dummy" in c.hubcfg("show", "auth.type", check=False).stdout:
        c.hubcfg("unset", "auth.type")
        c.reload("hub")
        c.state["dummy"] = False


@scenario()
def backup_while_running(c):
    _first_use(c)
    carry = _carry(c)
    for name, password in USERS.items():
        c.sh(f"printf %s {shlex.quote(password)} | hubcfg users add {name} --password -")
    ann = Browser(c).must_login("e2e-bk-ann", USERS["e2e-bk-ann"])
    token = ann.get_token()
    ann.spawn()
    r = ann.server_api("PUT", "/contents/backup-proof", json={"type": "directory"})
    expect(r.status_code in (200, 201), f"making a directory through the contents API: {r.status_code} {r.text[:200]}")
    r = ann.server_api("PUT", f"/contents/{FILE}", json={"type": "file", "format": "text", "content": CONTENT})
    expect(r.status_code in (200, 201), f"writing a file through the contents API: {r.status_code} {r.text[:200]}")
    archive = f"{carry}/hub.tar.gz"
    c.sh(f"rm -rf {carry} && mkdir -p {carry}")
    p = c.hubcfg("backup", "--homes", "-o", archive)
    out = p.stdout + p.stderr
    expect("backed up" in out and "home directories" in out, f"backup said: {tail(out)}")
    expect(ann.server_ready(), "ann's server stopped during the backup")
    expect(c.hub_api_ok(), "the hub stopped answering during the backup")
    mode = c.sh(f"stat -c %a {archive}").stdout.strip()
    expect(mode == "600", f"the archive's mode is {mode}, not 600")
    listing = c.sh(f"tar -tzf {archive}").stdout.split()
    home = unix_name("e2e-bk-ann")
    for member in ("state/jupyterhub.sqlite", "config/config.toml", f"homes/{home}/{FILE}", "manifest.json"):
        expect(member in listing, f"{member} is not in the archive: {listing[:40]}")
    expect(listing[-1] == "manifest.json", f"the manifest is not the last member: {listing[-3:]}")
    c.sh(f"chmod 700 {carry}")
    expected = {"users": USERS, "token": token, "file": FILE, "content": CONTENT, "home": home}
    c.sh(f"umask 077; cat > {carry}/expected.json <<'JSON'\n{json.dumps(expected)}\nJSON\n")
    print(f"    {out.strip().splitlines()[-1]}")


@scenario(machine="second")
def restore_refuses_truncated(c):
    carry = _carry(c)
    archive = f"{carry}/hub.tar.gz"
    cut = f"{carry}/truncated.tar.gz"
    size = int(c.sh(f"stat -c %s {archive}").stdout)
    c.sh(f"head -c {size // 2} {archive} > {cut}")
    expect(c.sh(f"test -e {c.prefix}", check=False).returncode != 0, f"{c.prefix} exists before the restore")
    before = c.sh("ls -a /opt; getent passwd | cut -d: -f1 | sort | sha256sum").stdout
    p = c.sh(_restore_line(c, cut), check=False)
    out = p.stdout + p.stderr
    expect(p.returncode != 0, f"the truncated archive was restored: {tail(out)}")
    expect("member" in out and "nothing was changed" in out, f"the refusal names no member: {tail(out)}")
    after = c.sh("ls -a /opt; getent passwd | cut -d: -f1 | sort | sha256sum").stdout
    expect(before == after, f"the refused restore changed /opt or the accounts:\n{before}\n{after}")
    expect(c.sh(f"test -e {c.prefix}", check=False).returncode != 0, f"the refused restore created {c.prefix}")
    print("    " + next((line for line in out.splitlines() if "member" in line), ""))


@scenario(machine="second")
def restore_into_fresh_machine(c):
    carry = _carry(c)
    expected = json.loads(c.sh(f"cat {carry}/expected.json").stdout)
    p = c.sh(_restore_line(c, f"{carry}/hub.tar.gz"), check=False, timeout=900)
    out = p.stdout + p.stderr
    expect(p.returncode == 0, f"the restore failed ({p.returncode}): {tail(out, 25)}")
    for name, password in expected["users"].items():
        expect(Browser(c).login(name, password), f"{name} cannot log in with the backed-up password")
        expect(not Browser(c).login(name, password + "-wrong"), f"{name} logs in with a wrong password")
    r = c.get("/hub/api/user", headers={"Authorization": f"token {expected['token']}"})
    expect(r.status_code == 200 and r.json().get("name") == "e2e-bk-ann", f"the token: {r.status_code} {r.text[:200]}")
    home = expected["home"]
    path = f"/home/{home}/{expected['file']}"
    st = c.sh(f"stat -c '%U %G' {path} /home/{home}/backup-proof /home/{home}", check=False)
    expect(st.returncode == 0, f"the restored file is missing: {tail(st.stdout + st.stderr)}")
    owners = set(st.stdout.split("\n")[:3]) - {""}
    expect(owners == {f"{home} {home}"}, f"owners of the restored home: {st.stdout}")
    got = c.sh(f"cat {path}").stdout
    expect(got == expected["content"], f"the restored file holds {got!r}")
    print("    " + "\n    ".join(line for line in out.splitlines() if line.startswith(("restored", "accounts", "user environment"))))


@scenario(machine="second")
def restore_over_existing_install(c):
    """The restored machine now has a hub: without a terminal, restore refuses
    unless --yes; with it, it restores again and the users still log in."""
    carry = _carry(c)
    archive = f"{carry}/hub.tar.gz"
    before = c.sh(f"sha256sum {c.prefix}/config/config.toml").stdout
    p = c.hubcfg("restore", archive, check=False)
    out = p.stdout + p.stderr
    expect(p.returncode == 2 and "--yes" in out, f"restore over an install without --yes: {p.returncode} {tail(out)}")
    expect(c.sh(f"sha256sum {c.prefix}/config/config.toml").stdout == before, "the refused restore changed config.toml")
    p = c.hubcfg("restore", archive, "--yes", check=False, timeout=900)
    out = p.stdout + p.stderr
    expect(p.returncode == 0, f"restore --yes over the install failed: {tail(out, 25)}")
    for name, password in USERS.items():
        expect(Browser(c).login(name, password), f"{name} cannot log in after the second restore")
