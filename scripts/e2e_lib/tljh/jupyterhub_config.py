"""A stand-in for TLJH's own tljh/jupyterhub_config.py, written for hubcfg's
e2e test (TLJH is not on PyPI; see tljh-reference.md §1.4 and §1.6): where
TLJH keeps the hub's state and how the hub reaches Traefik, plus the
config.yaml keys the test's users need, applied as TLJH applies them.
Installed as hub/lib/python3.*/site-packages/tljh/jupyterhub_config.py, so
hubcfg recognises the install as TLJH's."""

import os
from glob import glob

from ruamel.yaml import YAML

prefix = os.environ["TLJH_INSTALL_PREFIX"]
state = f"{prefix}/state"
c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)

# The hub runs in state/: jupyterhub.sqlite, jupyterhub_cookie_secret and
# FirstUse's passwords.dbm land there by their defaults.
c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
c.JupyterHub.cleanup_servers = False
c.JupyterHub.hub_port = 15001
c.JupyterHub.allow_named_servers = True
c.JupyterHub.proxy_class = "traefik_file"
c.TraefikProxy.should_start = False
c.TraefikProxy.traefik_entrypoint = "http"
c.TraefikFileProviderProxy.dynamic_config_file = f"{state}/rules/rules.toml"
c.SystemdSpawner.extra_paths = [f"{prefix}/user/bin"]
c.SystemdSpawner.default_shell = "/bin/bash"
c.SystemdSpawner.unit_name_template = "jupyter-{USERNAME}"
c.SystemdSpawner.username_template = "jupyter-{USERNAME}"

with open(f"{prefix}/config/config.yaml") as f:
    config = YAML(typ="safe").load(f) or {}
auth = config.get("auth", {})
c.JupyterHub.authenticator_class = auth.get("type", "firstuseauthenticator.FirstUseAuthenticator")
c.FirstUseAuthenticator.create_users = auth.get("FirstUseAuthenticator", {}).get("create_users", False)
users = config.get("users", {})
c.Authenticator.allowed_users = set(users.get("allowed", []))
c.Authenticator.blocked_users = set(users.get("banned", []))
c.Authenticator.admin_users = set(users.get("admin", []))
c.JupyterHub.base_url = config.get("base_url", "/")
api = config.get("traefik_api", {})
# TLJH leaves localhost:8099; the test machine resolves no localhost.
c.TraefikProxy.traefik_api_url = f"http://127.0.0.1:{api.get('port', 8099)}"
c.TraefikProxy.traefik_api_username = api.get("username", "api_admin")
with open(f"{state}/traefik-api.secret") as f:
    c.TraefikProxy.traefik_api_password = api.get("password") or f.read()

# TLJH's escape hatch, loaded last.
for extra in sorted(glob(f"{prefix}/config/jupyterhub_config.d/*.py")):
    load_subconfig(extra)  # noqa: F821
