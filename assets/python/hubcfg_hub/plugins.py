"""Runs TLJH plugins (entry-point group "tljh", pluggy project "tljh").

Request: {"hook": NAME, "kwargs": {...}} or {"describe": true}.
Replies (see _jsonio):
  a list hook (tljh_extra_*): {"result": [...]}, every plugin's list merged
    in pluggy's call order, duplicates dropped (first kept);
  tljh_config_post_install: {"config": the dict after every plugin changed it};
  other hooks: {"result": null};
  describe: {"plugins": [{"name", "value", "dist", "version", "hooks"}]};
  a plugin that fails to load or raises: {"ok": false,
    "error": "plugin_failed", "plugin": "ENTRY POINT (DIST VERSION)",
    "message": "the plugin LABEL failed:" and the traceback's last lines}.
Runs with the working directory the caller gives (hubcfg: $PREFIX/state).

`manager()` and `call()` are also used in the hub process
(assets/jupyterhub_config.py) for tljh_custom_jupyterhub_config."""
import os
import sys
import traceback

COMPAT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tljh_compat")
LIST_HOOKS = (
    "tljh_extra_user_conda_packages",
    "tljh_extra_user_conda_channels",
    "tljh_extra_user_pip_packages",
    "tljh_extra_hub_pip_packages",
    "tljh_extra_apt_packages",
)
HOOKS = LIST_HOOKS + (
    "tljh_custom_jupyterhub_config",
    "tljh_config_post_install",
    "tljh_post_install",
    "tljh_new_user_create",
)


class PluginFailed(Exception):
    def __init__(self, plugin, message):
        super().__init__(message)
        self.plugin = plugin
        self.message = message


def use_compat():
    """Our `tljh` first on sys.path, whatever else is installed."""
    if sys.path[:1] != [COMPAT]:
        sys.path.insert(0, COMPAT)
    loaded = sys.modules.get("tljh")
    if loaded is not None and not getattr(loaded, "__file__", "").startswith(COMPAT):
        for name in [m for m in sys.modules if m == "tljh" or m.startswith("tljh.")]:
            del sys.modules[name]


def _tail(lines=12):
    text = traceback.format_exc().rstrip().splitlines()
    return "\n".join(text[-lines:])


def _label(name, dist):
    if dist is None:
        return name
    return "%s (%s %s)" % (name, dist.metadata["Name"], dist.version)


def entry_points():
    from importlib import metadata

    eps = metadata.entry_points()
    if hasattr(eps, "select"):
        return list(eps.select(group="tljh"))
    return list(eps.get("tljh", []))


def manager():
    """(pluggy PluginManager with every plugin registered, {name: label})."""
    use_compat()
    import pluggy
    from tljh import hooks

    pm = pluggy.PluginManager("tljh")
    pm.add_hookspecs(hooks)
    labels = {}
    for ep in entry_points():
        if pm.get_plugin(ep.name) is not None:
            continue
        label = _label(ep.name, getattr(ep, "dist", None))
        try:
            pm.register(ep.load(), name=ep.name)
        except Exception:
            raise PluginFailed(label, _tail()) from None
        labels[ep.name] = label
    return pm, labels


def call(pm, labels, hook, kwargs):
    """Every implementation of `hook` in pluggy's order, one at a time so a
    failure names its plugin; the list of their results."""
    results = []
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        args = {a: kwargs[a] for a in impl.argnames}
        try:
            results.append(impl.function(**args))
        except Exception:
            label = labels.get(impl.plugin_name, impl.plugin_name)
            raise PluginFailed(label, _tail()) from None
    return results


def merged(results):
    out = []
    for r in results:
        for item in r or []:
            if item not in out:
                out.append(item)
    return out


def describe(pm, labels):
    out = []
    for ep in entry_points():
        plugin = pm.get_plugin(ep.name)
        dist = getattr(ep, "dist", None)
        hooks = sorted(
            h for h in HOOKS
            if any(i.plugin_name == ep.name for i in getattr(pm.hook, h).get_hookimpls())
        )
        out.append({
            "name": ep.name,
            "value": ep.value,
            "dist": dist.metadata["Name"] if dist is not None else None,
            "version": dist.version if dist is not None else None,
            "hooks": hooks if plugin is not None else [],
        })
    return out


def run(req):
    pm, labels = manager()
    if req.get("describe"):
        return {"plugins": describe(pm, labels)}
    hook = req["hook"]
    if hook not in HOOKS:
        raise ValueError("unknown hook %r" % hook)
    kwargs = req.get("kwargs", {})
    results = call(pm, labels, hook, kwargs)
    if hook == "tljh_config_post_install":
        return {"config": kwargs["config"]}
    if hook in LIST_HOOKS:
        return {"result": merged(results)}
    return {"result": None}


def main():
    import json

    from hubcfg_hub import _jsonio

    req = _jsonio.request()
    # Plugins (and what they start) print as they like: their output goes
    # to stderr, the reply alone to the real stdout.
    reply_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        try:
            import pluggy  # noqa: F401
        except ImportError:
            out = {"ok": False, "error": "missing_module",
                   "message": "pluggy is not installed in %s" % sys.prefix}
        else:
            try:
                out = dict(ok=True, **run(req))
            except PluginFailed as e:
                out = {"ok": False, "error": "plugin_failed", "plugin": e.plugin,
                       "message": "the plugin %s failed:\n%s" % (e.plugin, e.message)}
    finally:
        sys.stdout.flush()
    with os.fdopen(reply_fd, "w") as f:
        json.dump(out, f, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
