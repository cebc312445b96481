"""The nine hook specifications of pluggy project "tljh", with TLJH's names
and arguments. Plugins mark their functions with `hookimpl`."""
import pluggy

hookspec = pluggy.HookspecMarker("tljh")
hookimpl = pluggy.HookimplMarker("tljh")


@hookspec
def tljh_extra_user_conda_packages():
    """A list of conda packages for the user environment."""


@hookspec
def tljh_extra_user_conda_channels():
    """A list of conda channels for those packages (conda-forge if none)."""


@hookspec
def tljh_extra_user_pip_packages():
    """A list of pip requirements for the user environment."""


@hookspec
def tljh_extra_hub_pip_packages():
    """A list of pip requirements for the hub environment."""


@hookspec
def tljh_extra_apt_packages():
    """A list of apt packages, installed before the pip and conda ones."""


@hookspec
def tljh_custom_jupyterhub_config(c):
    """Change the JupyterHub config `c`: on every hub start, after hubcfg's
    settings and before config/jupyterhub_config.d/*.py."""


@hookspec
def tljh_config_post_install(config):
    """Change `config` (the user's settings as a nested dict) in place;
    hubcfg writes the changes back into config.toml."""


@hookspec
def tljh_post_install():
    """Runs last in an install, once the hub answers."""


@hookspec
def tljh_new_user_create(username):
    """Runs right after the unix account `username` was created."""
