"""Running the install command again: the same release (a no-op), a newer
release (an upgrade); and the idle culler, which needs time."""

import time

from .browser import admin, dummy_user, ensure_dummy_auth
from .core import CheckFailed, expect, scenario, tail

CHANGE_ROOTS = "{prefix} /etc/systemd/system /etc/sudoers.d /usr/bin/hubcfg /usr/bin/tljh-config"


@scenario(core=True)
def second_bootstrap_changes_nothing(c):
    if not c.bootstrap:
        raise CheckFailed("E2E_BOOTSTRAP is not set: cannot re-run the installer")
    b = dummy_user(c, "e2e-student")
    b.spawn()
    unit = c.unit_of("e2e-student")
    props = f"systemctl show -p InvocationID -p MainPID jupyterhub traefik {unit}"
    before = c.sh(props).stdout
    c.sh("touch /run/e2e-before-rerun && sleep 1.1")
    p = c.sh(c.bootstrap, check=False, timeout=1800)
    expect(p.returncode == 0, f"the second bootstrap exited {p.returncode}: {tail(p.stdout + p.stderr)}")
    changed = c.sh(
        f"find {CHANGE_ROOTS.format(prefix=c.prefix)} -xdev \\( -type f -o -type l \\) -cnewer /run/e2e-before-rerun "
        f"! -path '{c.prefix}/installer.log' ! -name 'jupyterhub.sqlite*' ! -name '*.pyc' "
        f"! -path '{c.prefix}/state/rules/e2e-extra-rules.toml' 2>/dev/null | head -n 20",
        check=False,
    ).stdout.split()
    expect(not changed, f"the second bootstrap changed: {changed}")
    after = c.sh(props).stdout
    expect(before == after, f"services restarted or server gone: before {before.split()} after {after.split()}")
    expect(b.server_ready(), "e2e-student's server is no longer ready")
    out = b.run_code("5 * 4")
    expect(out == "20", f"after the re-run, 5 * 4 gave {out!r}")


@scenario()
def pip_setting_uv_lacks_means_pip(c):
    """A pip setting with no uv equivalent (here PIP_PRE) makes the run use
    pip, and the step line says which setting; still nothing changes."""
    if not c.bootstrap:
        raise CheckFailed("E2E_BOOTSTRAP is not set: cannot re-run the installer")
    props = "systemctl show -p InvocationID jupyterhub traefik"
    before = c.sh(props).stdout
    p = c.sh(f"export PIP_PRE=false; {c.bootstrap}", check=False, timeout=1800)
    out = p.stdout + p.stderr
    expect(p.returncode == 0, f"bootstrap with PIP_PRE=false exited {p.returncode}: {tail(out)}")
    want = "with pip (not uv: pip's `pre = false` (PIP_PRE) has no uv equivalent)"
    if "--installer pip" in c.bootstrap:  # pip by choice: no reason to give
        want = "with pip"
    line = next((l for l in out.splitlines() if "Python environments" in l), "")
    expect(want in line, f"the step line does not say pip and why: {line!r}")
    print(f"    {line.strip()}")
    expect(c.sh(props).stdout == before, "the hub or Traefik restarted")


def _kept_state(c):
    """What an upgrade must keep: config, accounts, passwords (FirstUse's
    store and /etc/shadow), group members; as sha256 sums and lines."""
    return c.sh(
        f"cd {c.prefix} && find config state/passwords.dbm* -type f 2>/dev/null | sort | xargs -r sha256sum; "
        "getent passwd | grep '^jupyter-'; grep '^jupyter-' /etc/shadow; "
        "getent group jupyterhub-users jupyterhub-admins"
    ).stdout


@scenario(core=True)
def upgrade_with_same_command(c):
    """Release B (same code, another version) through the same curl line."""
    if not (c.upgrade_bootstrap and c.upgrade_version and c.upgrade_binary_sha256):
        raise CheckFailed("E2E_UPGRADE_BOOTSTRAP/_VERSION/_BINARY_SHA256 are not set: no release B to upgrade to")
    old_version = c.hubcfg("--version").stdout.strip()
    expect(c.upgrade_version not in old_version.split(), f"release B's version is already installed: {old_version}")
    student = dummy_user(c, "e2e-student")
    student.spawn()
    unit = c.unit_of("e2e-student")
    props = f"systemctl show -p InvocationID -p MainPID {unit}"
    server_before = c.sh(props).stdout
    kept_before = _kept_state(c)
    hub_users = sorted(u["name"] for u in admin(c).api("GET", "/users", (200,)).json())
    db_before = c.sh(f"ls -i {c.prefix}/state/jupyterhub.sqlite").stdout.split()[0]

    p = c.sh(c.upgrade_bootstrap, check=False, timeout=1800)
    expect(p.returncode == 0, f"the upgrade exited {p.returncode}: {tail(p.stdout + p.stderr)}")

    new_version = c.hubcfg("--version").stdout.strip()
    expect(new_version.startswith(f"hubcfg {c.upgrade_version} "), f"after the upgrade: {new_version!r}")
    got = c.sh(f"sha256sum {c.prefix}/bin/hubcfg").stdout.split()[0]
    expect(got == c.upgrade_binary_sha256, f"{c.prefix}/bin/hubcfg is not release B's binary ({got})")
    for link in ("/usr/bin/hubcfg", "/usr/bin/tljh-config"):
        dest = c.sh(f"readlink {link}", check=False).stdout.strip()
        expect(dest == f"{c.prefix}/bin/hubcfg", f"{link} points to {dest!r}")
    kept_after = _kept_state(c)
    expect(kept_after == kept_before, f"config, accounts or passwords changed:\n{_diff(kept_before, kept_after)}")
    db_after = c.sh(f"ls -i {c.prefix}/state/jupyterhub.sqlite", check=False).stdout.split()
    expect(db_after[:1] == [db_before], f"the hub database was replaced (inode {db_before} → {db_after[:1]})")
    expect(c.hub_api_ok(), "the hub does not answer after the upgrade")
    after_users = sorted(u["name"] for u in admin(c).api("GET", "/users", (200,)).json())
    expect(after_users == hub_users, f"the hub's users changed: {hub_users} → {after_users}")
    expect(c.sh(props).stdout == server_before, f"e2e-student's server restarted: {server_before.split()} → {c.sh(props).stdout.split()}")
    # The token minted before the upgrade lives in the hub database.
    expect(student.server_ready(), "e2e-student's server is not ready after the upgrade")
    out = student.run_code("5 * 4")
    expect(out == "20", f"after the upgrade, 5 * 4 gave {out!r}")
    log = c.sh(f"grep -c {c.upgrade_version} {c.prefix}/installer.log", check=False).stdout.strip()
    expect(log not in ("", "0"), "installer.log does not name release B's version")


def _diff(a, b):
    a_lines, b_lines = set(a.splitlines()), set(b.splitlines())
    return "\n".join([f"      - {x}" for x in sorted(a_lines - b_lines)] + [f"      + {x}" for x in sorted(b_lines - a_lines)])


@scenario()
def idle_culler(c):
    """timeout 20s, every 5s: the idle server goes, the one in use stays.
    Single-user servers report activity every 300s by default; the escape hatch
    (jupyterhub_config.d) makes that 3s so the culler sees the active one."""
    activity = f"{c.prefix}/config/jupyterhub_config.d/e2e-activity.py"
    ensure_dummy_auth(c)
    c.sh(f"echo \"c.Spawner.environment.update({{'JUPYTERHUB_ACTIVITY_INTERVAL': '3'}})\" > {activity}")
    c.hubcfg("set", "services.cull.every", "5")
    c.hubcfg("set", "services.cull.timeout", "20")
    try:
        c.reload("hub")
        idle, busy = dummy_user(c, "e2e-idle"), dummy_user(c, "e2e-busy")
        idle.spawn()
        busy.spawn()
        deadline = time.time() + 90
        while time.time() < deadline and idle.server_ready():
            r = busy.server_api("GET", "/contents")  # activity, as an open notebook makes
            expect(r.status_code == 200, f"the busy server answered {r.status_code}")
            time.sleep(2)
        expect(not idle.server_ready(), "the idle server was not culled within 90s")
        expect(busy.server_ready(), "the busy server was culled")
    finally:
        c.sh(f"rm -f {activity}")
        c.hubcfg("unset", "services.cull.every")
        c.hubcfg("unset", "services.cull.timeout")
        c.reload("hub")
