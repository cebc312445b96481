"""The effective settings (defaults, config.toml, secrets masked) as TLJH's
nested dict, asked from hubcfg itself so there is one reading of the file."""
import json
import subprocess

from tljh import config as _paths


def load_config(config_file=None):
    """The effective config. `config_file` (TLJH's argument) is accepted;
    another file than the installed config.toml is read with
    `hubcfg --config-path FILE`."""
    argv = [_paths.HUBCFG, "--prefix", _paths.INSTALL_PREFIX]
    if config_file is not None and config_file != _paths.CONFIG_FILE:
        argv += ["--config-path", config_file]
    argv += ["--json", "show", "--effective"]
    out = subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout)
