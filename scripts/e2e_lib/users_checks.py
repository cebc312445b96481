"""`hubcfg users`: a class imported in bulk logs in, generated and reset
passwords, `users list` through the hub's API with hubcfg's own token, and
`users remove` taking a user out of the hub's database."""

import json
import shlex
from concurrent.futures import ThreadPoolExecutor

from .browser import Browser
from .core import expect, scenario, tail

CLASS = [(f"e2e-s{i:02d}", f"class-pw-{i:02d}-e2e") for i in range(1, 21)]


def _first_use(c):
    """These checks need FirstUseAuthenticator (other scenarios switch to dummy)."""
    if c.state.get("dummy") or "dummy" in c.hubcfg("show", "auth.type", check=False).stdout:
        c.hubcfg("unset", "auth.type")
        c.reload("hub")
        c.state["dummy"] = False


def _csv(rows):
    return "name,password\n" + "".join(f"{n},{p}\n" for n, p in rows)


def _import(c, text, check=True):
    path = "/root/e2e-class.csv"
    c.sh(f"cat > {path} <<'CSV'\n{text}CSV\n")
    return c.hubcfg("users", "import", path, check=check)


def _config_sum(c):
    return c.sh(f"sha256sum {c.prefix}/config/config.toml").stdout.split()[0]


def _logs_in(c, name, password):
    return Browser(c).login(name, password)


def _class(c):
    """The 20 participants, imported once."""
    if not c.state.get("class"):
        _first_use(c)
        _import(c, _csv(CLASS))
        c.state["class"] = True


def _users_list(c):
    p = c.hubcfg("users", "list", "--json")
    return {u["name"]: u for u in json.loads(p.stdout)}


@scenario()
def users_import_with_a_bad_row_changes_nothing(c):
    _first_use(c)
    before = _config_sum(c)
    rows = list(CLASS)
    rows[6] = ("e2e s07", rows[6][1])  # a space: FirstUse refuses the name
    p = _import(c, _csv(rows), check=False)
    expect(p.returncode != 0, f"an import with a bad row exited 0: {tail(p.stdout + p.stderr)}")
    expect("line 8" in p.stderr, f"the bad row's line is not named: {tail(p.stderr)}")
    expect(_config_sum(c) == before, "config.toml changed after a refused import")


@scenario()
def users_import_of_20_all_log_in(c):
    _class(c)
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda row: (row[0], _logs_in(c, *row)), CLASS))
    failed = [name for name, ok in results if not ok]
    expect(not failed, f"imported users could not log in with their passwords: {failed}")
    expect(not _logs_in(c, CLASS[0][0], "not-the-password"), "a wrong password logged in")


@scenario()
def users_generated_password_logs_in(c):
    _first_use(c)
    p = c.hubcfg("users", "add", "e2e-gen", "--generate-passwords")
    lines = p.stdout.strip().splitlines()
    expect(lines[0] == "name,password" and len(lines) == 2, f"unexpected stdout: {p.stdout!r}")
    name, password = lines[1].split(",", 1)
    expect(name == "e2e-gen", f"the password line is for {name!r}")
    expect(password not in p.stderr, "the generated password is on stderr too")
    expect(_logs_in(c, name, password), "the generated password does not log in")
    c.state["gen_password"] = password


@scenario()
def users_reset_password_replaces_the_old(c):
    _first_use(c)
    if "gen_password" not in c.state:
        users_generated_password_logs_in(c)
    old = c.state["gen_password"]
    new = "a-new-e2e-password-42"
    c.sh(f"printf '%s\\n' {shlex.quote(new)} | {c.hubcfg_cmd} users reset-password e2e-gen --password -")
    expect(_logs_in(c, "e2e-gen", new), "the new password does not log in")
    expect(not _logs_in(c, "e2e-gen", old), "the old password still logs in")


@scenario()
def users_list_shows_who_is_running(c):
    _class(c)
    name, password = CLASS[0]
    b = Browser(c).must_login(name, password)
    b.spawn()
    users = _users_list(c)
    expect(name in users, f"{name} is not in `users list`: {sorted(users)}")
    u = users[name]
    expect(u["server_running"] is True, f"{name}'s server is running but listed as {u}")
    expect(u["allowed"] is True and u["unix_account"] == f"jupyter-{name}", f"{name}: {u}")
    other = users.get(CLASS[1][0])
    expect(other and other["server_running"] is False, f"{CLASS[1][0]} listed as {other}")
    table = c.hubcfg("users", "list").stdout
    expect(any(line.split()[:1] == [name] and "running" in line for line in table.splitlines()), f"table: {table}")


@scenario()
def users_remove_deletes_from_the_hub(c):
    _class(c)
    name, password = CLASS[0]  # running after users_list_shows_who_is_running, when it ran
    p = c.hubcfg("users", "remove", name)
    expect("deleted " + name + " from the hub's database" in p.stderr, f"remove said: {tail(p.stderr)}")
    users = _users_list(c)
    expect(name not in users, f"{name} is still in `users list`")
    expect(not _logs_in(c, name, password), f"{name} still logs in after `users remove`")
    expect(_logs_in(c, *CLASS[1]), f"{CLASS[1][0]} no longer logs in")


@scenario()
def hub_token_is_private(c):
    token_file = f"{c.prefix}/state/hubcfg-hub-token"
    owner_mode = c.sh(f"stat -c '%U %a' {token_file}").stdout.split()
    expect(owner_mode == ["root", "600"], f"{token_file} is {owner_mode}")
    token = c.sh(f"cat {token_file}").stdout.strip()
    expect(len(token) == 64, "the token is not 64 hex characters")
    for where in (f"{c.prefix}/installer.log", f"{c.prefix}/state/hub-config.json"):
        p = c.sh(f"grep -c -F -- {shlex.quote(token)} {where}", check=False)
        expect(p.stdout.strip() == "0", f"the token is in {where}")
    p = c.sh(f"journalctl -u jupyterhub --no-pager | grep -c -F -- {shlex.quote(token)}", check=False)
    expect(p.stdout.strip() == "0", "the token is in the hub's journal")


@scenario()
def users_native_password_logs_in(c):
    """NativeAuthenticator: a user added with a password logs in through the
    form, a wrong password does not, and a reset replaces the password."""
    c.hubcfg("set", "auth.type", "nativeauthenticator.NativeAuthenticator")
    c.reload("hub")
    try:
        name, first, second = "e2e-native", "native-pw-e2e-1", "native-pw-e2e-2"
        c.sh(f"printf '%s\\n' {shlex.quote(first)} | {c.hubcfg_cmd} users add {name} --password -")
        expect(_logs_in(c, name, first), "the password given to `users add` does not log in with NativeAuthenticator")
        expect(not _logs_in(c, name, "not-the-password"), "a wrong password logs in with NativeAuthenticator")
        c.sh(f"printf '%s\\n' {shlex.quote(second)} | {c.hubcfg_cmd} users reset-password {name} --password -")
        expect(_logs_in(c, name, second), "the reset password does not log in with NativeAuthenticator")
        expect(not _logs_in(c, name, first), "the old password still logs in after reset-password")
        print(f"    {name} logged in through /hub/login with NativeAuthenticator, before and after a reset")
    finally:
        c.hubcfg("unset", "auth.type")
        c.reload("hub")
        c.state["dummy"] = False
