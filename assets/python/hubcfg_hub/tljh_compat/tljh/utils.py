"""get_plugin_manager: the plugins of entry-point group "tljh"."""


def get_plugin_manager():
    from hubcfg_hub import plugins

    return plugins.manager()[0]
