"""The installed hub: its entry points, logins, spawning, accounts, files."""

import hashlib
import re
import shlex
from urllib.parse import urlparse

import requests

from .browser import Browser, admin, dummy_user, ensure_dummy_auth, spawn_and_run
from .core import expect, scenario, tail, unix_name


@scenario(core=True)
def hub_answers_on_port_80(c):
    r = c.get("/")
    expect(r.status_code == 200, f"GET / ended with {r.status_code} at {r.url}")
    expect(urlparse(r.url).path == "/hub/login", f"GET / landed on {r.url}, not /hub/login")


@scenario(core=True)
def hub_api_reports_jupyterhub_5(c):
    r = c.get("/hub/api")
    expect(r.status_code == 200, f"/hub/api answered {r.status_code}")
    version = r.json().get("version", "")
    expect(version.startswith("5."), f"/hub/api reports version {version!r}")


@scenario(core=True)
def traefik_api_requires_auth(c):
    r = requests.get(c.traefik_api + "/api/rawdata", timeout=10)
    expect(r.status_code == 401, f"Traefik's API answered {r.status_code} without credentials")


@scenario(core=True)
def admin_logs_in_with_password(c):
    expect(Browser(c).login(c.admin_name, c.admin_password), f"{c.admin_name} could not log in with the --admin password")
    expect(not Browser(c).login(c.admin_name, c.admin_password + "-wrong"), f"{c.admin_name} logged in with a wrong password")


@scenario(core=True)
def unknown_user_refused(c):
    expect(not Browser(c).login("e2e-nobody", ""), "an unknown user with an empty password logged in")


@scenario(core=True)
def admin_spawns_and_runs_code(c):
    b = admin(c)
    spawn_and_run(b)
    r = b.open_server()
    expect(urlparse(r.url).path.rstrip("/").endswith("/lab"), f"the server opened {r.url}, not /lab")
    expect(b.user_model().get("admin") is True, f"{c.admin_name} is not an admin in the hub")


@scenario(core=True)
def admin_unix_account(c):
    admin(c).spawn()
    unix = unix_name(c.admin_name)
    expect(c.sh(f"getent passwd {unix}", check=False).returncode == 0, f"unix user {unix} does not exist")
    groups = c.groups_of(unix)
    expect("jupyterhub-admins" in groups, f"{unix} is not in jupyterhub-admins: {groups}")
    expect("jupyterhub-users" in groups, f"{unix} is not in jupyterhub-users: {groups}")
    home = c.sh(f"getent passwd {unix} | cut -d: -f6").stdout.strip()
    mode, owner = c.sh(f"stat -c '%a %U' {shlex.quote(home)}").stdout.split()
    expect(owner == unix, f"{home} is owned by {owner}")
    expect(int(mode, 8) & 0o007 == 0, f"{home} has mode {mode}: others can get in")
    p = c.sh("sudo -n true", check=False, user=unix)
    expect(p.returncode == 0, f"`sudo -n true` fails for admin {unix}: {tail(p.stderr)}")


@scenario(core=True)
def permissions(c):
    p = c.sh(f"stat -c '%u %a' {c.prefix}/installer.log")
    uid, mode = p.stdout.split()
    expect(uid == "0" and int(mode, 8) & 0o077 == 0, f"installer.log is uid {uid} mode {mode}")
    for group in ("jupyterhub-users", "jupyterhub-admins"):
        as_nobody = f"setpriv --reuid nobody --regid nogroup --groups {group} --"
        p = c.sh(f"{as_nobody} find {c.prefix} -xdev -writable -print 2>/dev/null | head -n 5", check=False)
        expect(p.stdout.strip() == "", f"writable by nobody:{group} under {c.prefix}: {p.stdout.split()}")
        p = c.sh(f"{as_nobody} ls {c.prefix}/state", check=False)
        expect(p.returncode != 0, f"nobody:{group} can list {c.prefix}/state")
        # uv's lock is root only on purpose: a user holding it would stall installs.
        lock = f"{c.prefix}/user/.lock"
        p = c.sh(f"{as_nobody} find {c.prefix}/user ! -readable ! -path {lock} -print 2>&1 | head -n 5", check=False)
        expect(p.stdout.strip() == "", f"unreadable for nobody:{group} in the user env: {p.stdout.split()}")
        if c.sh(f"test -e {lock}", check=False).returncode == 0:  # not with --installer pip
            p = c.sh(f"{as_nobody} flock -n {lock} true", check=False)
            expect(p.returncode != 0, f"nobody:{group} can take uv's lock {lock}")


@scenario(core=True)
def tljh_config_command(c):
    p = c.sh("command -v tljh-config && tljh-config show", check=False)
    expect(p.returncode == 0, f"`tljh-config show` failed: {tail(p.stdout + p.stderr, 5)}")


@scenario()
def user_cannot_pip_install(c):
    as_nobody = "setpriv --reuid nobody --regid nogroup --groups jupyterhub-users -- env HOME=/tmp"
    p = c.sh(
        f"{as_nobody} {c.prefix}/user/bin/python -m pip install --no-user --no-cache-dir --no-deps testpath==0.3.0",
        check=False,
    )
    out = p.stdout + p.stderr
    expect(p.returncode != 0, "a hub user pip-installed into the user environment")
    expect(
        re.search(r"Permission denied|Errno 13|not writeable|not writable", out) is not None,
        f"pip failed, but not for lack of permission: {tail(out, 5)}",
    )


@scenario(core=True)
def extensions_enabled(c):
    p = c.sh(f"{c.prefix}/user/bin/jupyter server extension list 2>&1")
    for ext in ("jupyterlab", "nbgitpuller", "jupyter_resource_usage"):
        expect(re.search(rf"{ext}\b.*enabled", p.stdout) is not None, f"server extension {ext} is not enabled: {tail(p.stdout)}")
    p = c.sh(f"{c.prefix}/user/bin/jupyter labextension list 2>&1")
    for ext in ("@jupyter-server/resource-usage",):
        expect(re.search(rf"{re.escape(ext)}.*enabled", p.stdout) is not None, f"lab extension {ext} is not enabled: {tail(p.stdout)}")


@scenario(core=True)
def dummy_user_spawns_and_runs_code(c):
    ensure_dummy_auth(c)
    b = dummy_user(c, "e2e-student")
    spawn_and_run(b)
    unix = unix_name("e2e-student")
    expect("jupyterhub-admins" not in c.groups_of(unix), f"non-admin {unix} is in jupyterhub-admins")
    p = c.sh("sudo -n true", check=False, user=unix)
    expect(p.returncode != 0, f"`sudo -n true` works for non-admin {unix}")


@scenario()
def long_username(c):
    name = hashlib.sha256(b"e2e").hexdigest()  # 64 characters
    b = dummy_user(c, name)
    spawn_and_run(b)
    unix = unix_name(name)
    p = c.sh("getent passwd | cut -d: -f1 | grep '^jupyter-' || true")
    expect(unix in p.stdout.split(), f"no unix user {unix} (TLJH's short name); jupyter-* users: {p.stdout.split()}")
    b.stop()


@scenario(core=True)
def email_username(c):
    """A hub name with `@` and `.` (TLJH issue #1066: Debian 13's useradd
    refuses `@`): a hashed account that every distribution's useradd takes."""
    name = "e2e.mail@example.org"  # the hub lowercases names
    b = dummy_user(c, name)
    spawn_and_run(b)
    unix = unix_name(name)
    expect(re.fullmatch(r"[a-z_][a-z0-9_-]*", unix) is not None, f"the expected account {unix} breaks Debian's rule")
    p = c.sh("getent passwd | cut -d: -f1 | grep '^jupyter-' || true")
    expect(unix in p.stdout.split(), f"no unix user {unix} for {name}; jupyter-* users: {p.stdout.split()}")
    out = b.run_code("import getpass; getpass.getuser()")
    expect(out.strip("'\"") == unix, f"{name}'s kernel runs as {out}, not {unix}")
    b.stop()
