"""Where a hubcfg hub keeps things, under TLJH's names.

CONFIG_FILE is hubcfg's config/config.toml (TOML, not TLJH's YAML): read
settings with tljh.configurer.load_config() instead of parsing it."""
import os

INSTALL_PREFIX = (
    os.environ.get("TLJH_INSTALL_PREFIX")
    or os.environ.get("HUBCFG_PREFIX")
    or "/opt/tljh"
)
HUB_ENV_PREFIX = os.path.join(INSTALL_PREFIX, "hub")
USER_ENV_PREFIX = os.path.join(INSTALL_PREFIX, "user")
STATE_DIR = os.path.join(INSTALL_PREFIX, "state")
CONFIG_DIR = os.path.join(INSTALL_PREFIX, "config")
CONFIG_FILE = os.path.join(CONFIG_DIR, "config.toml")
HUBCFG = os.path.join(INSTALL_PREFIX, "bin", "hubcfg")
