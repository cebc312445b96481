"""One user's browser against the hub, and the shared logins scenarios use."""

import json
import re
import time
import uuid

import requests
import websocket

from .core import CheckFailed, expect, wait_for

SPAWN_TIMEOUT = 180


class Browser:
    """A cookie jar, the login form, then an API token for the API."""

    def __init__(self, c, base_url="/"):
        self.c = c
        self.s = requests.Session()
        self.prefix = "/" + base_url.strip("/")
        self.prefix = "" if self.prefix == "/" else self.prefix
        self.name = None
        self.token = None

    def url(self, path):
        return f"{self.c.hub}{self.prefix}{path}"

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
        """Visits /user/NAME/ like a browser (OAuth redirects included); returns the final response."""
        r = self.s.get(self.url(f"/user/{self.name}/"), timeout=60)
        if r.status_code != 200:
            raise CheckFailed(f"GET /user/{self.name}/ ended at {r.url} with {r.status_code}")
        return r

    def server_api(self, method, path, **kw):
        headers = {"Authorization": f"token {self.get_token()}"}
        return self.s.request(method, self.url(f"/user/{self.name}/api{path}"), headers=headers, timeout=60, **kw)

    def run_code(self, code, timeout=90):
        """Runs code in a new kernel, which is shut down afterwards."""
        kid = self.start_kernel()
        try:
            return self.execute(kid, code, timeout)
        finally:
            self.server_api("DELETE", f"/kernels/{kid}")

    def start_kernel(self):
        r = self.server_api("POST", "/kernels", json={"name": "python3"})
        if r.status_code != 201:
            raise CheckFailed(f"starting a kernel answered {r.status_code}: {r.text[:300]}")
        return r.json()["id"]

    def execute(self, kid, code, timeout=90):
        """Runs code in kernel kid; returns the text of its execute_result."""
        ws_url = self.url(f"/user/{self.name}/api/kernels/{kid}/channels").replace("http", "ws", 1)
        ws = websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"], timeout=timeout)
        try:
            msg_id = uuid.uuid4().hex
            header = {
                "msg_id": msg_id,
                "username": self.name,
                "session": uuid.uuid4().hex,
                "msg_type": "execute_request",
                "version": "5.3",
            }
            content = {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            }
            ws.send(
                json.dumps(
                    {
                        "header": header,
                        "parent_header": {},
                        "metadata": {},
                        "channel": "shell",
                        "content": content,
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
                    return msg["content"]["data"]["text/plain"]
                if kind == "error":
                    raise CheckFailed(f"the kernel raised {msg['content'].get('ename')}: {msg['content'].get('evalue')}")
            raise CheckFailed(f"no execute_result within {timeout}s")
        finally:
            ws.close()


# --- shared logins, made on demand so any subset of scenarios runs alone


def admin(c):
    if "admin" not in c.state:
        c.state["admin"] = Browser(c).must_login(c.admin_name, c.admin_password)
    return c.state["admin"]


def ensure_dummy_auth(c):
    if not c.state.get("dummy"):
        cur = c.hubcfg("show").stdout
        if not re.search(r"""type\s*=\s*["']dummy["']""", cur):
            c.hubcfg("set", "auth.type", "dummy")
            c.reload("hub")
        c.state["dummy"] = True


def dummy_user(c, name):
    ensure_dummy_auth(c)
    return Browser(c).must_login(name, "anything")


def spawn_and_run(b):
    b.spawn()
    out = b.run_code("5 * 4")
    expect(out == "20", f"5 * 4 gave {out!r}")
