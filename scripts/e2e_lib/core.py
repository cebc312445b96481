"""The scenario registry, expect(), and the Container handle scenarios get."""

import hashlib
import os
import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from typing import Callable

import requests


class CheckFailed(Exception):
    pass


@dataclass
class Scenario:
    name: str
    fn: Callable
    core: bool
    only_list: str = ""
    machine: str = "first"


SCENARIOS: list = []
_current = {"name": "", "break": ""}


def scenario(name=None, core=False, only_list="", machine="first"):
    """Registers fn as a scenario; core=True puts it in the core list too;
    only_list="memory" puts it in that list alone (not in full);
    machine="second" (or "tljh") runs it on that fresh machine, which
    scripts/e2e boots after the first's checks (nothing installed there;
    e2e_lib/second.sh)."""

    def register(fn):
        n = name or fn.__name__
        if any(s.name == n for s in SCENARIOS):
            raise ValueError(f"two scenarios named {n}")
        SCENARIOS.append(Scenario(n, fn, core, only_list, machine))
        return fn

    return register


def expect(cond, message):
    """Assert; under E2E_BREAK=<this scenario> the expectation is inverted."""
    if _current["name"] and _current["name"] == _current["break"]:
        cond = not cond
        message = f"(expectation inverted by E2E_BREAK) {message}"
    if not cond:
        raise CheckFailed(message)


def tail(text, n=15):
    """The first error lines and the last n lines: enough to route a failure."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) > n:
        errors = [line for line in lines[:-n] if re.match(r"\s*(error|hint|warning)\b", line, re.I)][:4]
        lines = errors + ["..."] + lines[-n:]
    return "\n      ".join(lines)


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


def sha256_hex(s):
    return hashlib.sha256(s.encode()).hexdigest()


def unix_name(hub_name):
    """hubcfg's mapping (src/username.rs): TLJH's jupyter-NAME (cut to 26
    characters + '-' + 5 hex of its sha256 when long) for names in [a-z0-9_-];
    any other name (`@`, `.`, uppercase) gets a hint of at most 10 characters
    + '-' + a longer hash, 31 characters in all (useradd on Debian 13 refuses `@`)."""
    full = "jupyter-" + hub_name
    if all(ch in "abcdefghijklmnopqrstuvwxyz0123456789_-" for ch in hub_name):
        return full if len(full) < 26 else full[:26] + "-" + sha256_hex(full)[:5]
    hint = ""
    for ch in hub_name:
        ch = ch.lower() if ch.isascii() else ch
        if ch in "abcdefghijklmnopqrstuvwxyz0123456789_":
            hint += ch
        elif not hint.endswith("-"):
            hint += "-"
    hint = hint.strip("-")[:10].rstrip("-")
    sep = "-" if hint else ""
    return f"jupyter-{hint}{sep}" + sha256_hex(full)[: 31 - 8 - len(hint) - len(sep)]


class Container:
    """The running machine: commands inside it as root, its hub over HTTP, and
    the install command lines. Built from the environment (see runner.py)."""

    def __init__(self, env=None):
        env = os.environ if env is None else env
        self.exec_prefix = shlex.split(env.get("E2E_EXEC", ""))
        self.hub = env.get("E2E_HUB", "http://127.0.0.1").rstrip("/")
        self.admin_name, _, self.admin_password = env.get("E2E_ADMIN", "e2e-admin:e2e-admin-password-1").partition(":")
        # The install command (the curl line) for the re-run, and release B's for the upgrade.
        self.bootstrap = env.get("E2E_BOOTSTRAP", "")
        self.upgrade_bootstrap = env.get("E2E_UPGRADE_BOOTSTRAP", "")
        self.upgrade_version = env.get("E2E_UPGRADE_VERSION", "")
        self.upgrade_binary_sha256 = env.get("E2E_UPGRADE_BINARY_SHA256", "")
        self.hubcfg_cmd = env.get("E2E_HUBCFG", "hubcfg")
        self.prefix = env.get("E2E_PREFIX", "/opt/tljh")
        self.traefik_api = "http://127.0.0.1:8099"
        self.hub_port = 15001
        self.state = {}  # shared setup made on demand (dummy auth, browsers)

    # --- inside the machine
    def sh(self, script, check=True, timeout=600, user=None):
        """Runs a bash script inside as root (or as the unix `user`)."""
        cmd = ["bash", "-c", script]
        if user:
            cmd = ["runuser", "-u", user, "--"] + cmd
        p = subprocess.run(self.exec_prefix + cmd, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise CheckFailed(f"`{script}` exited {p.returncode}: {tail(p.stdout + p.stderr)}")
        return p

    def hubcfg(self, *args, check=True, timeout=600):
        p = self.sh(" ".join([self.hubcfg_cmd] + [shlex.quote(a) for a in args]), check=False, timeout=timeout)
        if check and p.returncode != 0:
            raise CheckFailed(f"`{self.hubcfg_cmd} {' '.join(args)}` exited {p.returncode}: {tail(p.stdout + p.stderr)}")
        return p

    def reload(self, component="hub"):
        self.hubcfg("reload", component)

    def unit_of(self, hub_name):
        """The systemd unit running hub_name's server (TLJH: jupyter-NAME)."""
        p = self.sh("systemctl list-units --all --plain --no-legend 'jupyter-*' | awk '{print $1}'", check=False)
        units = p.stdout.split()
        for candidate in (f"jupyter-{hub_name}.service", f"{unix_name(hub_name)}.service"):
            if candidate in units:
                return candidate
        raise CheckFailed(f"no systemd unit for {hub_name}'s server; jupyter-* units: {units}")

    def groups_of(self, unix):
        return self.sh(f"id -nG {shlex.quote(unix)}").stdout.split()

    # --- over HTTP
    def get(self, path, **kw):
        kw.setdefault("timeout", 30)
        return requests.get(self.hub + path, **kw)

    def hub_api_ok(self, prefix=""):
        try:
            return requests.get(f"{self.hub}{prefix}/hub/api", timeout=10).status_code == 200
        except requests.RequestException:
            return False
