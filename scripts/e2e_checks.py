#!/usr/bin/env python3
"""End-to-end checks against one live hubcfg installation.

The hub is driven over HTTP the way a browser would (cookies, _xsrf); files and
unix accounts are inspected inside the machine through one exec wrapper, so the
same script serves the systemd-nspawn container (scripts/e2e) and the Vagrant
boxes (vagrant/Vagrantfile).

Environment:
  E2E_EXEC       command prefix that runs a command as root inside the machine
                 (empty: run directly, e.g. as root inside a VM)
  E2E_HUB        http://127.0.0.1 (the hub's http entry point)
  E2E_ADMIN      NAME:PASSWORD given to `bootstrap --admin`
  E2E_BOOTSTRAP  the bootstrap command line (shell words) for the re-run check
  E2E_HUBCFG     the config command inside (default: hubcfg)
  E2E_PREFIX     install prefix (default: /opt/tljh)
  E2E_ONLY       comma-separated check names to run
  E2E_BREAK      one check name whose expectations are inverted
  E2E_RESULTS    file that receives one PASS/FAIL line per check
Needs: requests, websocket-client. Prints "N passed, N failed" last; exit 1 on failure.
"""

import hashlib
import json
import os
import re
import shlex
import socket
import ssl
import subprocess
import sys
import time
import traceback
import uuid
from urllib.parse import urlparse

import requests
import websocket

EXEC = shlex.split(os.environ.get("E2E_EXEC", ""))
HUB = os.environ.get("E2E_HUB", "http://127.0.0.1").rstrip("/")
ADMIN, _, ADMIN_PASSWORD = os.environ.get("E2E_ADMIN", "e2e-admin:e2e-admin-password-1").partition(":")
BOOTSTRAP = os.environ.get("E2E_BOOTSTRAP", "")
HUBCFG = os.environ.get("E2E_HUBCFG", "hubcfg")
PREFIX = os.environ.get("E2E_PREFIX", "/opt/tljh")
ONLY = {n for n in os.environ.get("E2E_ONLY", "").split(",") if n}
BREAK = os.environ.get("E2E_BREAK", "")
RESULTS = os.environ.get("E2E_RESULTS", "")
TRAEFIK_API = "http://127.0.0.1:8099"
HUB_PORT = 15001
SPAWN_TIMEOUT = 180


class CheckFailed(Exception):
    pass


_current = {"name": ""}


def expect(cond, message):
    """Assert; under E2E_BREAK=<this check> the expectation is inverted."""
    if _current["name"] == BREAK:
        cond = not cond
        message = f"(expectation inverted by E2E_BREAK) {message}"
    if not cond:
        raise CheckFailed(message)


# --- inside the machine --------------------------------------------------------------


def sh(script, check=True, timeout=600, user=None):
    """Run a bash script inside the machine as root (or as the unix `user`)."""
    cmd = ["bash", "-c", script]
    if user:
        cmd = ["runuser", "-u", user, "--"] + cmd
    p = subprocess.run(EXEC + cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise CheckFailed(f"`{script}` exited {p.returncode}: {tail(p.stdout + p.stderr)}")
    return p


def tail(text, n=15):
    """The first error lines and the last n lines: enough to route a failure."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) > n:
        errors = [line for line in lines[:-n] if re.match(r"\s*(error|hint|warning)\b", line, re.I)][:4]
        lines = errors + ["..."] + lines[-n:]
    return "\n      ".join(lines)


def hubcfg(*args, check=True, timeout=600):
    p = sh(" ".join([HUBCFG] + [shlex.quote(a) for a in args]), check=False, timeout=timeout)
    if check and p.returncode != 0:
        raise CheckFailed(f"`{HUBCFG} {' '.join(args)}` exited {p.returncode}: {tail(p.stdout + p.stderr)}")
    return p


def reload(component="hub"):
    hubcfg("reload", component)


def unix_name(hub_name):
    """TLJH's mapping: jupyter-NAME, cut to 26 characters + '-' + 5 hex of its sha256 when long."""
    name = "jupyter-" + hub_name
    if len(name) < 26:
        return name
    return name[:26] + "-" + hashlib.sha256(name.encode()).hexdigest()[:5]


def unit_of(hub_name):
    """The systemd unit running hub_name's server (TLJH: jupyter-NAME)."""
    p = sh("systemctl list-units --all --plain --no-legend 'jupyter-*' | awk '{print $1}'", check=False)
    units = p.stdout.split()
    for candidate in (f"jupyter-{hub_name}.service", f"{unix_name(hub_name)}.service"):
        if candidate in units:
            return candidate
    raise CheckFailed(f"no systemd unit for {hub_name}'s server; jupyter-* units: {units}")


def groups_of(unix):
    return sh(f"id -nG {shlex.quote(unix)}").stdout.split()


# --- the browser -----------------------------------------------------------------------


class Browser:
    """One user's browser: a cookie jar, the login form, then an API token for the API."""

    def __init__(self, base_url="/"):
        self.s = requests.Session()
        self.prefix = "/" + base_url.strip("/")
        self.prefix = "" if self.prefix == "/" else self.prefix
        self.name = None
        self.token = None

    def url(self, path):
        return f"{HUB}{self.prefix}{path}"

    def xsrf(self):
        # Several _xsrf cookies may exist (hub, user server): take the hub's.
        best = None
        for c in self.s.cookies:
            if c.name == "_xsrf" and (best is None or c.path.rstrip("/").endswith("/hub")):
                best = c.value
        return best

    def login(self, name, password):
        r = self.s.get(self.url("/hub/login"), timeout=30)
        if r.status_code != 200:
            raise CheckFailed(f"GET /hub/login answered {r.status_code}")
        m = re.search(r'name="_xsrf"\s+value="([^"]+)"', r.text)
        xsrf = m.group(1) if m else self.xsrf()
        r = self.s.post(
            self.url("/hub/login"),
            data={"username": name, "password": password, "_xsrf": xsrf},
            allow_redirects=False,
            timeout=60,
        )
        ok = r.status_code in (301, 302, 303) and any(c.name == "jupyterhub-hub-login" for c in self.s.cookies)
        if ok:
            self.name = name
            self.s.get(self.url("/hub/home"), timeout=30)  # a fresh _xsrf for the logged-in session
        return ok

    def must_login(self, name, password=""):
        if not self.login(name, password):
            raise CheckFailed(f"{name} could not log in")
        return self

    def api(self, method, path, expect_status=None, **kw):
        headers = kw.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"token {self.token}"
        else:
            headers["X-XSRFToken"] = self.xsrf() or ""
        r = self.s.request(method, self.url("/hub/api" + path), headers=headers, timeout=60, **kw)
        if expect_status and r.status_code not in expect_status:
            raise CheckFailed(f"{method} /hub/api{path} answered {r.status_code}: {r.text[:300]}")
        return r

    def get_token(self):
        """Cookie + _xsrf, as the hub's own pages do, to mint a token for the rest."""
        if not self.token:
            r = self.api("POST", f"/users/{self.name}/tokens", (200, 201), json={"note": "e2e", "expires_in": 7200})
            self.token = r.json()["token"]
        return self.token

    def user_model(self):
        self.get_token()
        return self.api("GET", f"/users/{self.name}", (200,)).json()

    def server_ready(self):
        server = self.user_model().get("servers", {}).get("")
        return bool(server and server.get("ready"))

    def spawn(self, timeout=SPAWN_TIMEOUT):
        self.get_token()
        self.api("POST", f"/users/{self.name}/server", (201, 202, 400))  # 400: already running
        deadline = time.time() + timeout
        while time.time() < deadline:
            model = self.user_model()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return model
            if not server and not model.get("pending"):
                raise CheckFailed(f"{self.name}'s server stopped while starting: {json.dumps(model)[:400]}")
            time.sleep(1)
        raise CheckFailed(f"{self.name}'s server was not ready within {timeout}s")

    def stop(self, timeout=60):
        self.get_token()
        self.api("DELETE", f"/users/{self.name}/server", (202, 204, 400))
        wait_for(lambda: not self.user_model().get("servers"), timeout, f"{self.name}'s server to stop")

    def open_server(self):
        """Visit /user/NAME/ like a browser (OAuth redirects included); return the final response."""
        r = self.s.get(self.url(f"/user/{self.name}/"), timeout=60)
        if r.status_code != 200:
            raise CheckFailed(f"GET /user/{self.name}/ ended at {r.url} with {r.status_code}")
        return r

    def server_api(self, method, path, **kw):
        headers = {"Authorization": f"token {self.get_token()}"}
        return self.s.request(method, self.url(f"/user/{self.name}/api{path}"), headers=headers, timeout=60, **kw)

    def run_code(self, code, timeout=90):
        r = self.server_api("POST", "/kernels", json={"name": "python3"})
        if r.status_code != 201:
            raise CheckFailed(f"starting a kernel answered {r.status_code}: {r.text[:300]}")
        kid = r.json()["id"]
        try:
            ws_url = self.url(f"/user/{self.name}/api/kernels/{kid}/channels").replace("http", "ws", 1)
            ws = websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"], timeout=timeout)
            msg_id = uuid.uuid4().hex
            ws.send(
                json.dumps(
                    {
                        "header": {
                            "msg_id": msg_id,
                            "username": self.name,
                            "session": uuid.uuid4().hex,
                            "msg_type": "execute_request",
                            "version": "5.3",
                        },
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "content": {
                            "code": code,
                            "silent": False,
                            "store_history": False,
                            "user_expressions": {},
                            "allow_stdin": False,
                            "stop_on_error": True,
                        },
                        "buffers": [],
                    }
                )
            )
            deadline = time.time() + timeout
            while time.time() < deadline:
                msg = json.loads(ws.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
                if kind == "execute_result":
                    ws.close()
                    return msg["content"]["data"]["text/plain"]
                if kind == "error":
                    raise CheckFailed(f"the kernel raised {msg['content'].get('ename')}: {msg['content'].get('evalue')}")
            raise CheckFailed(f"no execute_result within {timeout}s")
        finally:
            self.server_api("DELETE", f"/kernels/{kid}")


def wait_for(pred, timeout, what, every=1.0):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if pred():
                return
        except (requests.RequestException, CheckFailed) as e:
            last = e
        time.sleep(every)
    raise CheckFailed(f"timed out after {timeout}s waiting for {what}" + (f" (last error: {last})" if last else ""))


def hub_api_ok(prefix=""):
    try:
        return requests.get(f"{HUB}{prefix}/hub/api", timeout=10).status_code == 200
    except requests.RequestException:
        return False


# --- shared state, set up on demand so any subset runs alone (E2E_ONLY) ---------------------

_state = {}


def admin():
    if "admin" not in _state:
        _state["admin"] = Browser().must_login(ADMIN, ADMIN_PASSWORD)
    return _state["admin"]


def ensure_dummy_auth():
    if not _state.get("dummy"):
        cur = hubcfg("show").stdout
        if not re.search(r"""type\s*=\s*["']dummy["']""", cur):
            hubcfg("set", "auth.type", "dummy")
            reload("hub")
        _state["dummy"] = True


def dummy_user(name):
    ensure_dummy_auth()
    return Browser().must_login(name, "anything")


def spawn_and_run(b):
    b.spawn()
    out = b.run_code("5 * 4")
    expect(out == "20", f"5 * 4 gave {out!r}")


# --- checks ------------------------------------------------------------------------------


def hub_answers_on_port_80():
    r = requests.get(HUB + "/", timeout=30)
    expect(r.status_code == 200, f"GET / ended with {r.status_code} at {r.url}")
    expect(urlparse(r.url).path == "/hub/login", f"GET / landed on {r.url}, not /hub/login")


def hub_api_reports_jupyterhub_5():
    r = requests.get(HUB + "/hub/api", timeout=30)
    expect(r.status_code == 200, f"/hub/api answered {r.status_code}")
    version = r.json().get("version", "")
    expect(version.startswith("5."), f"/hub/api reports version {version!r}")


def traefik_api_requires_auth():
    r = requests.get(TRAEFIK_API + "/api/rawdata", timeout=10)
    expect(r.status_code == 401, f"Traefik's API answered {r.status_code} without credentials")


def admin_logs_in_with_password():
    expect(Browser().login(ADMIN, ADMIN_PASSWORD), f"{ADMIN} could not log in with the --admin password")
    expect(not Browser().login(ADMIN, ADMIN_PASSWORD + "-wrong"), f"{ADMIN} logged in with a wrong password")


def unknown_user_refused():
    expect(not Browser().login("e2e-nobody", ""), "an unknown user with an empty password logged in")


def admin_spawns_and_runs_code():
    b = admin()
    spawn_and_run(b)
    r = b.open_server()
    expect(urlparse(r.url).path.rstrip("/").endswith("/lab"), f"the server opened {r.url}, not /lab")
    expect(b.user_model().get("admin") is True, f"{ADMIN} is not an admin in the hub")


def admin_unix_account():
    admin().spawn()
    unix = unix_name(ADMIN)
    expect(sh(f"getent passwd {unix}", check=False).returncode == 0, f"unix user {unix} does not exist")
    expect("jupyterhub-admins" in groups_of(unix), f"{unix} is not in jupyterhub-admins: {groups_of(unix)}")
    expect("jupyterhub-users" in groups_of(unix), f"{unix} is not in jupyterhub-users: {groups_of(unix)}")
    home = sh(f"getent passwd {unix} | cut -d: -f6").stdout.strip()
    mode, owner = sh(f"stat -c '%a %U' {shlex.quote(home)}").stdout.split()
    expect(owner == unix, f"{home} is owned by {owner}")
    expect(int(mode, 8) & 0o007 == 0, f"{home} has mode {mode}: others can get in")
    p = sh("sudo -n true", check=False, user=unix)
    expect(p.returncode == 0, f"`sudo -n true` fails for admin {unix}: {tail(p.stderr)}")


def dummy_user_spawns_and_runs_code():
    ensure_dummy_auth()
    b = dummy_user("e2e-student")
    spawn_and_run(b)
    unix = unix_name("e2e-student")
    expect("jupyterhub-admins" not in groups_of(unix), f"non-admin {unix} is in jupyterhub-admins")
    p = sh("sudo -n true", check=False, user=unix)
    expect(p.returncode != 0, f"`sudo -n true` works for non-admin {unix}")


def long_username():
    name = hashlib.sha256(b"e2e").hexdigest()  # 64 characters
    b = dummy_user(name)
    spawn_and_run(b)
    unix = unix_name(name)
    p = sh("getent passwd | cut -d: -f1 | grep '^jupyter-' || true")
    expect(unix in p.stdout.split(), f"no unix user {unix} (TLJH's short name); jupyter-* users: {p.stdout.split()}")
    b.stop()


def _users_config():
    if not _state.get("users_config"):
        ensure_dummy_auth()
        sh("getent group e2e-group >/dev/null || groupadd e2e-group")
        hubcfg("add-item", "users.extra_user_groups.e2e-group", "e2e-grouped")
        hubcfg("add-item", "users.banned", "e2e-banned")
        hubcfg("add-item", "users.admin", "e2e-promoted")
        reload("hub")
        _state["users_config"] = True


def extra_user_groups():
    _users_config()
    b = dummy_user("e2e-grouped")
    b.spawn()
    unix = unix_name("e2e-grouped")
    expect("e2e-group" in groups_of(unix), f"{unix} is not in e2e-group: {groups_of(unix)}")
    b.stop()


def banned_user_refused():
    _users_config()
    expect(not Browser().login("e2e-banned", "anything"), "banned user e2e-banned logged in")


def users_admin_grants_admin():
    _users_config()
    b = dummy_user("e2e-promoted")
    expect(b.user_model().get("admin") is True, "e2e-promoted is not an admin in the hub")
    b.spawn()
    unix = unix_name("e2e-promoted")
    expect("jupyterhub-admins" in groups_of(unix), f"{unix} is not in jupyterhub-admins: {groups_of(unix)}")
    b.stop()


def custom_base_url():
    ensure_dummy_auth()
    hubcfg("set", "base_url", "/custom-base")
    try:
        reload("hub")
        expect(hub_api_ok("/custom-base"), "/custom-base/hub/api does not answer 200")
        b = Browser("/custom-base").must_login("e2e-based", "anything")
        spawn_and_run(b)
        b.stop()
    finally:
        hubcfg("unset", "base_url")
        reload("hub")
    expect(hub_api_ok(), "after unset base_url, /hub/api does not answer 200")


def _limits_and_classic():
    if not _state.get("limited"):
        ensure_dummy_auth()
        hubcfg("set", "limits.memory", "1G")
        hubcfg("set", "limits.cpu", "0.5")
        hubcfg("set", "user_environment.default_app", "classic")
        reload("hub")
        b = dummy_user("e2e-limited")
        b.spawn()
        _state["limited"] = b
    return _state["limited"]


def limits_in_user_unit():
    _limits_and_classic()
    unit = unit_of("e2e-limited")
    props = sh(f"systemctl show -p MemoryMax -p CPUQuotaPerSecUSec {unit}").stdout
    expect("MemoryMax=1073741824" in props, f"{unit}: {props.split()}")
    expect("CPUQuotaPerSecUSec=500ms" in props, f"{unit}: {props.split()}")


def default_app_classic():
    b = _limits_and_classic()
    r = b.open_server()
    expect(urlparse(r.url).path.rstrip("/").endswith("/tree"), f"the server opened {r.url}, not /tree")


def _restore_limits_and_app():
    if _state.pop("limited", None):
        for key in ("limits.memory", "limits.cpu", "user_environment.default_app"):
            hubcfg("unset", key)
        reload("hub")


def manual_https():
    _restore_limits_and_app()
    d = "/etc/hubcfg-e2e-tls"
    sh(
        f"mkdir -p {d} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        f"-keyout {d}/key.pem -out {d}/cert.pem 2>&1 && chmod 600 {d}/key.pem"
    )
    want = ssl.PEM_cert_to_DER_cert(sh(f"cat {d}/cert.pem").stdout)
    hubcfg("set", "https.enabled", "true")
    hubcfg("set", "https.tls.cert", f"{d}/cert.pem")
    hubcfg("set", "https.tls.key", f"{d}/key.pem")
    try:
        reload("proxy")
        wait_for(lambda: https_cert() is not None, 30, "port 443")
        expect(https_cert() == want, "port 443 does not serve the configured certificate")
        wait_for(lambda: requests.get("https://127.0.0.1/hub/api", verify=False, timeout=10).status_code == 200, 60, "https /hub/api")
        r = requests.get(HUB + "/hub/api", allow_redirects=False, timeout=10)
        expect(r.status_code in (301, 302, 307, 308), f"http answered {r.status_code}, not a redirect")
        expect(r.headers.get("Location", "").startswith("https://"), f"http redirects to {r.headers.get('Location')!r}")
    finally:
        for key in ("https.enabled", "https.tls.cert", "https.tls.key"):
            hubcfg("unset", key)
        reload("proxy")
    wait_for(hub_api_ok, 60, "http /hub/api after https is disabled")


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


EXTRA_STATIC = """
[entryPoints.alsoHub]
address = "127.0.0.1:9999"
"""

EXTRA_RULES = f"""
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
url = "http://127.0.0.1:{HUB_PORT}"
"""


def extra_traefik_config():
    sh(
        f"cat > {PREFIX}/config/traefik_config.d/e2e-extra.toml <<'EOF'\n{EXTRA_STATIC}EOF\n"
        f"cat > {PREFIX}/state/rules/e2e-extra-rules.toml <<'EOF'\n{EXTRA_RULES}EOF\n"
    )
    reload("proxy")
    wait_for(hub_api_ok, 60, "/hub/api after reload proxy")

    def also():
        return requests.get("http://127.0.0.1:9999/hub/login", timeout=10).status_code == 200

    try:
        wait_for(also, 30, "the alsoHub entry point on 127.0.0.1:9999")
    except CheckFailed as e:
        expect(False, str(e))
    r = requests.get(HUB + "/the/hub/runs/here/too", timeout=10)
    expect(r.status_code == 200, f"/the/hub/runs/here/too answered {r.status_code}")
    expect("/hub/login" in r.url, f"/the/hub/runs/here/too ended at {r.url}")


def permissions():
    p = sh(f"stat -c '%u %a' {PREFIX}/installer.log")
    uid, mode = p.stdout.split()
    expect(uid == "0" and int(mode, 8) & 0o077 == 0, f"installer.log is uid {uid} mode {mode}")
    for group in ("jupyterhub-users", "jupyterhub-admins"):
        as_nobody = f"setpriv --reuid nobody --regid nogroup --groups {group} --"
        p = sh(f"{as_nobody} find {PREFIX} -xdev -writable -print 2>/dev/null | head -n 5", check=False)
        expect(p.stdout.strip() == "", f"writable by nobody:{group} under {PREFIX}: {p.stdout.split()}")
        p = sh(f"{as_nobody} ls {PREFIX}/state", check=False)
        expect(p.returncode != 0, f"nobody:{group} can list {PREFIX}/state")
        p = sh(f"{as_nobody} find {PREFIX}/user ! -readable -print 2>&1 | head -n 5", check=False)
        expect(p.stdout.strip() == "", f"unreadable for nobody:{group} in the user env: {p.stdout.split()}")


def tljh_config_command():
    p = sh("command -v tljh-config && tljh-config show", check=False)
    expect(p.returncode == 0, f"`tljh-config show` failed: {tail(p.stdout + p.stderr, 5)}")


def user_cannot_pip_install():
    as_nobody = "setpriv --reuid nobody --regid nogroup --groups jupyterhub-users -- env HOME=/tmp"
    p = sh(
        f"{as_nobody} {PREFIX}/user/bin/python -m pip install --no-user --no-cache-dir --no-deps testpath==0.3.0",
        check=False,
    )
    out = p.stdout + p.stderr
    expect(p.returncode != 0, "a hub user pip-installed into the user environment")
    expect(
        re.search(r"Permission denied|Errno 13|not writeable|not writable", out) is not None,
        f"pip failed, but not for lack of permission: {tail(out, 5)}",
    )


def extensions_enabled():
    p = sh(f"{PREFIX}/user/bin/jupyter server extension list 2>&1")
    for ext in ("jupyterlab", "nbgitpuller", "jupyter_resource_usage"):
        expect(re.search(rf"{ext}\b.*enabled", p.stdout) is not None, f"server extension {ext} is not enabled: {tail(p.stdout)}")
    p = sh(f"{PREFIX}/user/bin/jupyter labextension list 2>&1")
    for ext in ("@jupyter-server/resource-usage",):
        expect(re.search(rf"{re.escape(ext)}.*enabled", p.stdout) is not None, f"lab extension {ext} is not enabled: {tail(p.stdout)}")


def reload_broken_setting_recovers():
    ensure_dummy_auth()
    hubcfg("set", "auth.type", "e2e_no_such_module.Authenticator")
    t = time.time()
    p = hubcfg("reload", "hub", check=False, timeout=900)
    took = time.time() - t
    out = p.stdout + p.stderr
    try:
        expect(p.returncode != 0, "reload hub succeeded with a broken auth.type")
        expect(took < 400, f"reload hub took {took:.0f}s to fail")
        expect("e2e_no_such_module" in out, f"reload hub does not name the reason: {tail(out, 8)}")
    finally:
        hubcfg("set", "auth.type", "dummy")
        reload("hub")
    expect(hub_api_ok(), "the hub did not recover after fixing auth.type")


CHANGE_ROOTS = f"{PREFIX} /etc/systemd/system /etc/sudoers.d /usr/bin/hubcfg /usr/bin/tljh-config"


def second_bootstrap_changes_nothing():
    if not BOOTSTRAP:
        raise CheckFailed("E2E_BOOTSTRAP is not set: cannot re-run the installer")
    b = dummy_user("e2e-student")
    b.spawn()
    unit = unit_of("e2e-student")
    props = f"systemctl show -p InvocationID -p MainPID jupyterhub traefik {unit}"
    before = sh(props).stdout
    sh("touch /run/e2e-before-rerun && sleep 1.1")
    p = sh(BOOTSTRAP, check=False, timeout=1800)
    expect(p.returncode == 0, f"the second bootstrap exited {p.returncode}: {tail(p.stdout + p.stderr)}")
    changed = sh(
        f"find {CHANGE_ROOTS} -xdev \\( -type f -o -type l \\) -cnewer /run/e2e-before-rerun "
        f"! -path '{PREFIX}/installer.log' ! -name 'jupyterhub.sqlite*' ! -name '*.pyc' "
        f"! -path '{PREFIX}/state/rules/e2e-extra-rules.toml' 2>/dev/null | head -n 20",
        check=False,
    ).stdout.split()
    expect(not changed, f"the second bootstrap changed: {changed}")
    after = sh(props).stdout
    expect(before == after, f"services restarted or server gone: before {before.split()} after {after.split()}")
    expect(b.server_ready(), "e2e-student's server is no longer ready")
    out = b.run_code("5 * 4")
    expect(out == "20", f"after the re-run, 5 * 4 gave {out!r}")


CULL_ACTIVITY = f"{PREFIX}/config/jupyterhub_config.d/e2e-activity.py"


def idle_culler():
    """timeout 20s, every 5s: the idle server goes, the one in use stays.
    Single-user servers report activity every 300s by default; the escape hatch
    (jupyterhub_config.d) makes that 3s so the culler sees the active one."""
    ensure_dummy_auth()
    sh(f"echo \"c.Spawner.environment.update({{'JUPYTERHUB_ACTIVITY_INTERVAL': '3'}})\" > {CULL_ACTIVITY}")
    hubcfg("set", "services.cull.every", "5")
    hubcfg("set", "services.cull.timeout", "20")
    try:
        reload("hub")
        idle, busy = dummy_user("e2e-idle"), dummy_user("e2e-busy")
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
        sh(f"rm -f {CULL_ACTIVITY}")
        hubcfg("unset", "services.cull.every")
        hubcfg("unset", "services.cull.timeout")
        reload("hub")


CHECKS = [
    hub_answers_on_port_80,
    hub_api_reports_jupyterhub_5,
    traefik_api_requires_auth,
    admin_logs_in_with_password,
    unknown_user_refused,
    admin_spawns_and_runs_code,
    admin_unix_account,
    permissions,
    tljh_config_command,
    user_cannot_pip_install,
    extensions_enabled,
    dummy_user_spawns_and_runs_code,
    long_username,
    extra_user_groups,
    banned_user_refused,
    users_admin_grants_admin,
    custom_base_url,
    limits_in_user_unit,
    default_app_classic,
    manual_https,
    extra_traefik_config,
    reload_broken_setting_recovers,
    second_bootstrap_changes_nothing,
    idle_culler,
]


def hub_is_gone():
    for _ in range(30):
        if hub_api_ok():
            return False
        time.sleep(2)
    return True


def main():
    import urllib3

    urllib3.disable_warnings()
    names = [c.__name__ for c in CHECKS]
    unknown = (ONLY | ({BREAK} if BREAK else set())) - set(names)
    if unknown:
        print(f"unknown check names: {sorted(unknown)}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    passed = failed = 0
    results = open(RESULTS, "a") if RESULTS else None
    gone = False
    for check in CHECKS:
        name = check.__name__
        if ONLY and name not in ONLY:
            continue
        _current["name"] = name
        t = time.time()
        if gone:
            line = f"FAIL {name}: not run, the hub is gone"
        else:
            try:
                check()
                line = f"PASS {name} ({time.time() - t:.0f}s)"
            except CheckFailed as e:
                line = f"FAIL {name}: {e} ({time.time() - t:.0f}s)"
            except Exception as e:  # a check's bug or an unexpected answer: report, go on
                line = f"FAIL {name}: {type(e).__name__}: {e}\n      {tail(traceback.format_exc(), 6)}"
        if line.startswith("PASS"):
            passed += 1
        else:
            failed += 1
            gone = gone or hub_is_gone()
        print(line, flush=True)
        if results:
            results.write(line.splitlines()[0] + "\n")
            results.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
