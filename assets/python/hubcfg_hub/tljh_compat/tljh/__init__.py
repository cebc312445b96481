"""hubcfg's stand-in for TLJH's `tljh` package, for TLJH plugins.

It is not TLJH: it offers what plugins import (hooks, config paths,
configurer.load_config, systemd, normalize, user, utils), written for a hub
that hubcfg installed. It lives inside hubcfg_hub (not as a top-level
`tljh` in site-packages, where TLJH's own package may still be kept for an
uninstall); hubcfg_hub.plugins puts its directory first on sys.path before
any plugin is loaded."""
