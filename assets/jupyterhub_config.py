"""JupyterHub configuration for a hub installed by hubcfg.

Thin glue with no defaults of its own: every setting comes from
state/hub-config.json, which `hubcfg render` writes from config/config.toml
(jupyterhub.service runs it just before the hub starts). After those settings,
TLJH plugins' tljh_custom_jupyterhub_config(c) runs, then
config/jupyterhub_config.d/*.py are loaded in name order, so they win.

This file is replaced on every install; put your own settings in
config/jupyterhub_config.d/ or in config.toml (`tljh-config set ...`).
"""

import asyncio
import dbm
import glob
import json
import os
import re
import sys
import threading

import bcrypt
from firstuseauthenticator import FirstUseAuthenticator
from systemdspawner import SystemdSpawner
from traitlets import Bool, Dict, Float, Integer, Unicode

HUB_CONFIG_VERSION = 1

# What `hubcfg ensure-user` may answer (use fullmatch): `jupyter-` then 1 to
# 24 of [A-Za-z0-9_.@+-]: the names hubcfg creates, and the accounts TLJH
# made for names with `.`, `@`, `+` or upper case, which are reused. None
# holds `/`, whitespace, quotes, `%` or str.format braces, so it is safe as a
# path part and a SystemdSpawner template, and works as a unit name as TLJH's
# did (`@` makes it an instance name; systemd-run and systemctl both escape
# `+`). The same rule is hubcfg's `username::is_account_name`;
# tests/fixtures/user_names.json is checked against both.
UNIX_NAME = re.compile(r"jupyter-[A-Za-z0-9_.@+-]{1,24}")


def hub_config_path(environ=os.environ):
    """$HUBCFG_HUB_CONFIG, else PREFIX/state/hub-config.json with PREFIX found
    as hubcfg finds it: $HUBCFG_PREFIX, $TLJH_INSTALL_PREFIX, /opt/tljh."""
    explicit = environ.get("HUBCFG_HUB_CONFIG")
    if explicit:
        return explicit
    prefix = (
        environ.get("HUBCFG_PREFIX")
        or environ.get("TLJH_INSTALL_PREFIX")
        or "/opt/tljh"
    )
    return os.path.join(prefix, "state", "hub-config.json")


def load_hub_config(path):
    """The rendered settings; any problem stops the hub with a clear message."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise SystemExit(
            f"hubcfg: cannot read {path}: {e.strerror}. "
            "Run `hubcfg render` as root to create it."
        ) from None
    except ValueError as e:
        raise SystemExit(
            f"hubcfg: {path} is not valid JSON ({e}). "
            "Run `hubcfg render` as root to rewrite it."
        ) from None
    version = data.get("version") if isinstance(data, dict) else None
    if version != HUB_CONFIG_VERSION:
        raise SystemExit(
            f"hubcfg: {path} has format version {version!r}, this glue reads "
            f"version {HUB_CONFIG_VERSION}. Re-run the installer so that hubcfg "
            "and this file match."
        )
    return data


def apply_traits(c, traits):
    """c.<Class>.<trait> = value for every entry; nulls are skipped."""
    for cls, values in traits.items():
        section = c[cls]
        for name, value in values.items():
            if value is not None:
                section[name] = value


def read_token(path):
    """The token in `path` (stripped), or None when it is missing or empty."""
    try:
        with open(path, encoding="utf-8") as f:
            token = f.read().strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SystemExit(
            f"hubcfg: cannot read {path}: {e.strerror}. "
            "Run `hubcfg bootstrap` as root to repair it."
        ) from None
    return token or None


def apply_service_tokens(c, token_files):
    """Give each named service in c.JupyterHub.services its api_token, read
    from its file (the token is never in the rendered JSON). A missing file
    leaves the service without a token: the hub starts, and hubcfg's
    commands that need it say to run the installer."""
    services = c.JupyterHub.services if "services" in c.JupyterHub else []
    for name, path in token_files.items():
        token = read_token(path)
        for service in services:
            if service.get("name") != name:
                continue
            if token is None:
                print(
                    f"hubcfg: {path} is missing or empty, so the {name!r} service "
                    "has no API token; run `hubcfg bootstrap` as root to create it",
                    file=sys.stderr,
                )
            else:
                service["api_token"] = token


def config_d_files(directory):
    return sorted(glob.glob(os.path.join(glob.escape(directory), "*.py")))


class HubcfgSpawner(SystemdSpawner):
    """SystemdSpawner that first creates or updates the user's unix account.

    `hubcfg ensure-user` does the system work (account, private home, groups,
    admin group membership added or removed) and prints the unix name, which
    is `jupyter-<name>` or a shortened, hashed form for long or unsafe names
    (or the account an earlier TLJH install made for the user).
    The hub user name only ever travels as one argv element after `--`.
    """

    hubcfg_bin = Unicode(help="The hubcfg binary").tag(config=True)
    hubcfg_prefix = Unicode(help="hubcfg's install prefix").tag(config=True)
    extra_user_groups = Dict(help="Unix group name -> hub user names to add to it").tag(
        config=True
    )
    ensure_user_timeout = Integer(
        120, help="Seconds to wait for `hubcfg ensure-user`"
    ).tag(config=True)
    ready_check_interval = Float(
        0,
        help="Seconds between checks, after the unit started, that the "
        "server's port accepts connections (up to http_timeout); start() "
        "returns once it does, so the hub's own check, whose pauses grow to "
        "5 s, finds the server up at once. 0: no check",
    ).tag(config=True)
    kernel_ipc = Bool(
        False,
        help="Kernels talk to their server over unix sockets in the unit's "
        "runtime directory (/run/UNIT/jupyter) instead of TCP ports on "
        "127.0.0.1, so two servers starting kernels at the same moment "
        "cannot pick the same free port",
    ).tag(config=True)

    def extra_groups(self):
        return sorted(
            group
            for group, members in self.extra_user_groups.items()
            if self.user.name in members
        )

    def ensure_user_argv(self):
        argv = [self.hubcfg_bin, "--prefix", self.hubcfg_prefix, "ensure-user"]
        if self.user.admin:
            argv.append("--admin")
        for group in self.extra_groups():
            argv += ["--group", group]
        return argv + ["--", self.user.name]

    async def ensure_unix_user(self):
        argv = self.ensure_user_argv()
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(
                proc.communicate(), self.ensure_user_timeout
            )
        except asyncio.TimeoutError:  # not the builtin before Python 3.11
            proc.kill()
            await proc.wait()
            raise RuntimeError(
                f"`hubcfg ensure-user` for {self.user.name!r} took longer than "
                f"{self.ensure_user_timeout}s"
            ) from None
        if proc.returncode != 0:
            tail = err.decode(errors="replace").strip()[-2000:]
            raise RuntimeError(
                f"`hubcfg ensure-user` for {self.user.name!r} failed "
                f"(exit {proc.returncode}): {tail}"
            )
        # Exactly one line: the name.
        text = out.decode(errors="replace")
        unix_name = text[:-1] if text.endswith("\n") else text
        if not UNIX_NAME.fullmatch(unix_name):
            raise RuntimeError(
                f"`hubcfg ensure-user` for {self.user.name!r} printed "
                f"{unix_name!r}, not a unix user name"
            )
        return unix_name

    async def start(self):
        unix_name = await self.ensure_unix_user()
        self.log.info("user %s runs as unix user %s", self.user.name, unix_name)
        # Literal names: SystemdSpawner expands {USERNAME} in these with the
        # raw hub name, which must not reach a unit or account name.
        self.username_template = unix_name
        self.unit_name = unix_name
        self.disable_user_sudo = not self.user.admin
        if self.kernel_ipc:
            self.use_kernel_ipc(unix_name)
        ip, port = await super().start()
        if self.ready_check_interval > 0:
            await self.wait_until_listening(ip, port)
        return ip, port

    def use_kernel_ipc(self, unix_name):
        # SystemdSpawner gives the unit RuntimeDirectory=<unit name> (its
        # environment file is there), owned by the user, mode 700: short
        # enough for a socket path (108 bytes) with any unix name.
        self.environment = {
            **self.environment,
            "JUPYTER_RUNTIME_DIR": f"/run/{unix_name}/jupyter",
        }
        if "--KernelManager.transport=ipc" not in self.args:
            self.args = [*self.args, "--KernelManager.transport=ipc"]

    async def wait_until_listening(self, ip, port):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.http_timeout
        next_poll = loop.time() + 2
        while loop.time() < deadline:
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection(ip, port), 2
                )
            except (OSError, asyncio.TimeoutError):
                if loop.time() >= next_poll:
                    if await self.poll() is not None:
                        return  # it stopped: the hub reports that
                    next_poll = loop.time() + 2
                await asyncio.sleep(self.ready_check_interval)
                continue
            writer.close()
            return


class HubcfgFirstUseAuthenticator(FirstUseAuthenticator):
    """FirstUseAuthenticator with its bcrypt work off the hub's event loop.

    FirstUse hashes on the loop, so a room logging in at once waits in one
    queue (about 0.25 s each) and every other request waits behind it. Here
    the hub's database is still read on the loop (its session is not
    thread-safe), the password store is opened under a lock (gdbm allows
    one writer), and only bcrypt (which releases the GIL) runs in threads.
    Same rules and messages as FirstUse; configured as FirstUseAuthenticator.
    """

    _store_lock = threading.Lock()

    def _stored_hash(self, username):
        with self._store_lock, dbm.open(self.dbm_path, "c", 0o600) as db:
            return db.get(username.encode("utf8"), None)

    def _store_hash_if_none(self, username, hashed):
        """Stores `hashed` unless a hash appeared meanwhile; returns the kept one."""
        key = username.encode("utf8")
        with self._store_lock, dbm.open(self.dbm_path, "c", 0o600) as db:
            if key not in db:
                db[key] = hashed
            return db[key]

    async def authenticate(self, handler, data):
        username = self.normalize_username(data["username"])
        password = data["password"].encode("utf8")
        if not self.create_users and not self._user_exists(username):
            return None
        stored = await asyncio.to_thread(self._stored_hash, username)
        if stored is None:
            if not self._validate_password(data["password"]):
                handler.custom_login_error = (
                    "Password too short! Please choose a password at least "
                    f"{self.min_password_length} characters long."
                )
                self.log.error(handler.custom_login_error)
                return None
            hashed = await asyncio.to_thread(bcrypt.hashpw, password, bcrypt.gensalt())
            stored = await asyncio.to_thread(self._store_hash_if_none, username, hashed)
            if stored == hashed:
                return username
        ok = await asyncio.to_thread(bcrypt.checkpw, password, stored)
        return username if ok else None

    # FirstUse's own writers of the store, kept off it while a login thread has it.
    def reset_password(self, username, new_password):
        with self._store_lock:
            return super().reset_password(username, new_password)

    def delete_user(self, user):
        with self._store_lock:
            return super().delete_user(user)


FIRST_USE_NAMES = {
    "firstuseauthenticator.FirstUseAuthenticator",
    "firstuseauthenticator:FirstUseAuthenticator",
    "firstuseauthenticator",
    "firstuse",
}


def configure(c, path=None):
    """Apply the rendered settings to `c`; returns them."""
    hub = load_hub_config(path or hub_config_path())
    apply_traits(c, hub["traits"])
    apply_service_tokens(c, hub.get("service_token_files", {}))
    c.JupyterHub.spawner_class = HubcfgSpawner
    # Same list as hubcfg's firstuse::is_first_use; FirstUseAuthenticator's
    # settings apply to the subclass.
    auth = c.JupyterHub.authenticator_class
    if isinstance(auth, str) and auth in FIRST_USE_NAMES:
        c.JupyterHub.authenticator_class = HubcfgFirstUseAuthenticator
    return hub


def apply_plugins(c):
    """TLJH plugins' tljh_custom_jupyterhub_config(c), as TLJH calls it on
    every hub start; a plugin that raises stops the hub naming it."""
    try:
        from hubcfg_hub import plugins
    except ImportError:
        return  # hubcfg's Python package is not installed here
    if not plugins.entry_points():
        return
    try:
        pm, labels = plugins.manager()
        plugins.call(pm, labels, "tljh_custom_jupyterhub_config", {"c": c})
    except plugins.PluginFailed as e:
        raise SystemExit(
            f"hubcfg: the TLJH plugin {e.plugin} failed in "
            f"tljh_custom_jupyterhub_config:\n{e.message}"
        ) from None


if "get_config" in globals():
    c = get_config()  # noqa: F821 (provided by traitlets when loading this file)
    _hub = configure(c)
    apply_plugins(c)
    for _snippet in config_d_files(_hub["config_d"]):
        load_subconfig(_snippet)  # noqa: F821
