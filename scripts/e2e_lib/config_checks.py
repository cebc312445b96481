"""Settings changed with hubcfg set/add-item and applied with reload."""

import socket
import ssl
import time
from urllib.parse import urlparse

import requests

from .browser import Browser, dummy_user, ensure_dummy_auth, spawn_and_run
from .core import CheckFailed, expect, scenario, tail, unix_name, wait_for


def _users_config(c):
    if not c.state.get("users_config"):
        ensure_dummy_auth(c)
        c.sh("getent group e2e-group >/dev/null || groupadd e2e-group")
        c.hubcfg("add-item", "users.extra_user_groups.e2e-group", "e2e-grouped")
        c.hubcfg("add-item", "users.banned", "e2e-banned")
        c.hubcfg("add-item", "users.admin", "e2e-promoted")
        c.reload("hub")
        c.state["users_config"] = True


def _spawns_in_group(b, name, group):
    """Spawns `name`'s server and checks its unix account is in `group`."""
    b.spawn()
    unix = unix_name(name)
    groups = b.c.groups_of(unix)
    expect(group in groups, f"{unix} is not in {group}: {groups}")
    b.stop()


@scenario()
def extra_user_groups(c):
    _users_config(c)
    _spawns_in_group(dummy_user(c, "e2e-grouped"), "e2e-grouped", "e2e-group")


@scenario()
def banned_user_refused(c):
    _users_config(c)
    expect(not Browser(c).login("e2e-banned", "anything"), "banned user e2e-banned logged in")


@scenario()
def users_admin_grants_admin(c):
    _users_config(c)
    b = dummy_user(c, "e2e-promoted")
    expect(b.user_model().get("admin") is True, "e2e-promoted is not an admin in the hub")
    _spawns_in_group(b, "e2e-promoted", "jupyterhub-admins")


@scenario()
def custom_base_url(c):
    ensure_dummy_auth(c)
    c.hubcfg("set", "base_url", "/custom-base")
    try:
        c.reload("hub")
        expect(c.hub_api_ok("/custom-base"), "/custom-base/hub/api does not answer 200")
        b = Browser(c, "/custom-base").must_login("e2e-based", "anything")
        spawn_and_run(b)
        b.stop()
    finally:
        c.hubcfg("unset", "base_url")
        c.reload("hub")
    expect(c.hub_api_ok(), "after unset base_url, /hub/api does not answer 200")


def _limits_and_classic(c):
    if not c.state.get("limited"):
        ensure_dummy_auth(c)
        c.hubcfg("set", "limits.memory", "1G")
        c.hubcfg("set", "limits.cpu", "0.5")
        c.hubcfg("set", "user_environment.default_app", "classic")
        c.reload("hub")
        b = dummy_user(c, "e2e-limited")
        b.spawn()
        c.state["limited"] = b
    return c.state["limited"]


@scenario()
def limits_in_user_unit(c):
    _limits_and_classic(c)
    unit = c.unit_of("e2e-limited")
    props = c.sh(f"systemctl show -p MemoryMax -p CPUQuotaPerSecUSec {unit}").stdout
    expect("MemoryMax=1073741824" in props, f"{unit}: {props.split()}")
    expect("CPUQuotaPerSecUSec=500ms" in props, f"{unit}: {props.split()}")


@scenario()
def default_app_classic(c):
    b = _limits_and_classic(c)
    r = b.open_server()
    expect(urlparse(r.url).path.rstrip("/").endswith("/tree"), f"the server opened {r.url}, not /tree")


def _restore_limits_and_app(c):
    if c.state.pop("limited", None):
        for key in ("limits.memory", "limits.cpu", "user_environment.default_app"):
            c.hubcfg("unset", key)
        c.reload("hub")


def https_cert():
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", 443), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.getpeercert(binary_form=True)
    except OSError:
        return None


@scenario()
def manual_https(c):
    _restore_limits_and_app(c)
    d = "/etc/hubcfg-e2e-tls"
    c.sh(
        f"mkdir -p {d} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        f"-keyout {d}/key.pem -out {d}/cert.pem 2>&1 && chmod 600 {d}/key.pem"
    )
    want = ssl.PEM_cert_to_DER_cert(c.sh(f"cat {d}/cert.pem").stdout)
    c.hubcfg("set", "https.enabled", "true")
    c.hubcfg("set", "https.tls.cert", f"{d}/cert.pem")
    c.hubcfg("set", "https.tls.key", f"{d}/key.pem")
    try:
        c.reload("proxy")
        wait_for(lambda: https_cert() is not None, 30, "port 443")
        expect(https_cert() == want, "port 443 does not serve the configured certificate")
        wait_for(lambda: requests.get("https://127.0.0.1/hub/api", verify=False, timeout=10).status_code == 200, 60, "https /hub/api")
        r = c.get("/hub/api", allow_redirects=False, timeout=10)
        expect(r.status_code in (301, 302, 307, 308), f"http answered {r.status_code}, not a redirect")
        expect(r.headers.get("Location", "").startswith("https://"), f"http redirects to {r.headers.get('Location')!r}")
    finally:
        for key in ("https.enabled", "https.tls.cert", "https.tls.key"):
            c.hubcfg("unset", key)
        c.reload("proxy")
    wait_for(c.hub_api_ok, 60, "http /hub/api after https is disabled")


EXTRA_STATIC = """
[entryPoints.alsoHub]
address = "127.0.0.1:9999"
"""

EXTRA_RULES = """
[http.routers.e2eAlsoHub]
rule = "PathPrefix(`/`)"
entryPoints = ["alsoHub"]
service = "e2eHub"

[http.routers.e2eTooHub]
rule = "PathPrefix(`/the/hub/runs/here/too`)"
middlewares = ["e2eStrip"]
service = "e2eHub"
priority = 1000

[http.middlewares.e2eStrip.stripPrefix]
prefixes = ["/the/hub/runs/here/too"]

[[http.services.e2eHub.loadBalancer.servers]]
url = "http://127.0.0.1:HUB_PORT"
"""


@scenario()
def extra_traefik_config(c):
    rules = EXTRA_RULES.replace("HUB_PORT", str(c.hub_port))
    c.sh(
        f"cat > {c.prefix}/config/traefik_config.d/e2e-extra.toml <<'EOF'\n{EXTRA_STATIC}EOF\n"
        f"cat > {c.prefix}/state/rules/e2e-extra-rules.toml <<'EOF'\n{rules}EOF\n"
    )
    c.reload("proxy")
    wait_for(c.hub_api_ok, 60, "/hub/api after reload proxy")

    def also():
        return requests.get("http://127.0.0.1:9999/hub/login", timeout=10).status_code == 200

    try:
        wait_for(also, 30, "the alsoHub entry point on 127.0.0.1:9999")
    except CheckFailed as e:
        expect(False, str(e))
    r = c.get("/the/hub/runs/here/too", timeout=10)
    expect(r.status_code == 200, f"/the/hub/runs/here/too answered {r.status_code}")
    expect("/hub/login" in r.url, f"/the/hub/runs/here/too ended at {r.url}")


@scenario()
def reload_broken_setting_recovers(c):
    ensure_dummy_auth(c)
    c.hubcfg("set", "auth.type", "e2e_no_such_module.Authenticator")
    t = time.time()
    p = c.hubcfg("reload", "hub", check=False, timeout=900)
    took = time.time() - t
    out = p.stdout + p.stderr
    try:
        expect(p.returncode != 0, "reload hub succeeded with a broken auth.type")
        expect(took < 400, f"reload hub took {took:.0f}s to fail")
        expect("e2e_no_such_module" in out, f"reload hub does not name the reason: {tail(out, 8)}")
    finally:
        c.hubcfg("set", "auth.type", "dummy")
        c.reload("hub")
    expect(c.hub_api_ok(), "the hub did not recover after fixing auth.type")
