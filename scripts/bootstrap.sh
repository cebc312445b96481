#!/usr/bin/env bash
# Installs a Littlest JupyterHub with hubcfg:
#
#   curl -fsSL <base>/bootstrap.sh | sudo bash -s -- --admin me
#
# This is the bootstrap.sh of a release (dist/bootstrap.sh, made by
# scripts/release): it downloads <base>/hubcfg-<version>-<arch>-linux.tar.gz,
# checks it against the sha256 written below, unpacks it to a temp dir and
# runs `hubcfg bootstrap` with the arguments given (with `--restore FILE`:
# `hubcfg restore FILE`, which installs first). Set HUBCFG_RELEASE_URL to
# download from somewhere else (a mirror, a file:// directory). Run inside a
# git checkout of hubcfg (sudo scripts/bootstrap.sh --admin me) it builds the
# binary from source instead.

# A script cut off in transit must run nothing: everything below only
# defines functions, and the last line (which clears this trap) calls main.
trap 'echo "bootstrap.sh: error: this script arrived incomplete (download cut off?); nothing was run" >&2; exit 1' EXIT

# --- Release settings --------------------------------------------------------
# Where releases are served from: the URL of a directory holding a release's
# dist/ files. The project has no hosting place yet (.invalid never
# resolves); host dist/ yourself and build with scripts/release --base-url.
RELEASE_URL="https://releases.invalid/hubcfg"
# Written by scripts/release into dist/bootstrap.sh; empty in the checkout.
RELEASE_VERSION=""
RELEASE_SHA256_x86_64=""
RELEASE_SHA256_aarch64=""
# ------------------------------------------------------------------------------

set -euo pipefail

die() {
	echo "bootstrap.sh: error: $*" >&2
	exit 1
}

say() {
	echo "bootstrap.sh: $*" >&2
}

main() {
	trap - EXIT
	# The last argument is the end-of-script mark the last line adds.
	[ "${!#}" = "--end-of-bootstrap.sh" ] ||
		die "this script arrived incomplete (download cut off?); nothing was run"
	set -- "${@:1:$#-1}"

	if [ "$(id -u)" -ne 0 ]; then
		local self="${BASH_SOURCE[0]:-}"
		if [ -f "$self" ] && command -v sudo >/dev/null 2>&1; then
			say "root is needed; re-running with sudo"
			exec sudo -- bash "$self" "$@"
		fi
		die "must be run as root: curl -fsSL ${HUBCFG_RELEASE_URL:-$RELEASE_URL}/bootstrap.sh | sudo bash -s -- --admin NAME"
	fi

	local arch
	arch="$(uname -m)"
	case "$arch" in
	x86_64 | amd64) arch=x86_64 ;;
	aarch64 | arm64) arch=aarch64 ;;
	*) die "unsupported architecture $arch: hubcfg runs on x86_64 and aarch64" ;;
	esac

	local words=()
	hubcfg_words "$@"
	set -- "${words[@]}"

	local checkout
	if checkout="$(find_checkout)"; then
		run_from_checkout "$checkout" "$@"
	else
		run_release "$arch" "$@"
	fi
}

# The hubcfg command line for the script's arguments, into `words`:
# `--restore FILE` (anywhere) makes it `restore FILE` with the other
# arguments (the install flags for a machine without a hub), else
# `bootstrap ARGS`.
hubcfg_words() {
	local sub=(bootstrap) rest=()
	while [ $# -gt 0 ]; do
		case "$1" in
		--restore)
			[ $# -ge 2 ] || die "--restore needs the backup file: --restore FILE"
			sub=(restore "$2")
			shift 2
			;;
		--restore=*)
			sub=(restore "${1#--restore=}")
			shift
			;;
		*)
			rest+=("$1")
			shift
			;;
		esac
	done
	words=("${sub[@]}" "${rest[@]+"${rest[@]}"}")
}

# Prints the checkout root when this script sits in scripts/ of a hubcfg
# checkout; fails otherwise (also when the script came through a pipe).
find_checkout() {
	local self="${BASH_SOURCE[0]:-}"
	[ -n "$self" ] && [ -f "$self" ] || return 1
	local root
	root="$(cd "$(dirname "$self")/.." && pwd)" || return 1
	[ -f "$root/Cargo.toml" ] && grep -Eq '^name *= *"hubcfg"' "$root/Cargo.toml" || return 1
	echo "$root"
}

run_from_checkout() {
	local root="$1"
	shift
	say "inside a hubcfg checkout ($root): building from source"
	if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
		# Build as the user who ran sudo: their toolchain, their target/ dir.
		sudo -u "$SUDO_USER" -H bash -lc 'cd "$1" && command -v cargo >/dev/null || { echo "cargo not found for $USER: install Rust from https://rustup.rs" >&2; exit 1; }; cargo build --release' \
			build "$root" </dev/null || die "building hubcfg failed (see above)"
	else
		command -v cargo >/dev/null 2>&1 ||
			die "cargo not found: install Rust from https://rustup.rs, or run this script outside the checkout to use a release"
		(cd "$root" && cargo build --release </dev/null) || die "building hubcfg failed (see above)"
	fi
	"$root/target/release/hubcfg" "$@" </dev/null
}

# Downloads URL to FILE with curl or wget (file:// URLs are copied); on
# failure says which URL and the HTTP status or the tool's own error.
fetch() {
	local url="$1" out="$2" err="$2.err" status="" rc=0
	if [ "${url#file://}" != "$url" ]; then
		cp -- "${url#file://}" "$out" 2>"$err" || die "download failed: $url: $(tail -n1 "$err")"
		return
	elif command -v curl >/dev/null 2>&1; then
		status="$(curl -sSL --retry 2 --connect-timeout 30 -o "$out" -w '%{http_code}' "$url" 2>"$err" </dev/null)" || rc=$?
	elif command -v wget >/dev/null 2>&1; then
		wget -nv -S --tries=2 --timeout=30 -O "$out" "$url" 2>"$err" </dev/null || rc=$?
		status="$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$err" | tail -n1)"
	else
		die "neither curl nor wget is installed: install one (apt-get install curl)"
	fi
	case "$status" in
	2??) [ "$rc" -ne 0 ] || return 0 ;;
	"" | 000) ;;
	*) die "download failed: $url: HTTP $status" ;;
	esac
	die "download failed: $url: $(grep -v '^ ' "$err" | tail -n1)"
}

run_release() {
	local arch="$1"
	shift
	[ -n "$RELEASE_VERSION" ] ||
		die "this bootstrap.sh names no release: use the one published with a release (scripts/release writes it into dist/), or run it inside a hubcfg checkout to build from source"
	local sha="$RELEASE_SHA256_x86_64"
	[ "$arch" = x86_64 ] || sha="$RELEASE_SHA256_aarch64"
	[ -n "$sha" ] || die "hubcfg $RELEASE_VERSION has no $arch build"
	local base="${HUBCFG_RELEASE_URL:-$RELEASE_URL}"
	local name="hubcfg-$RELEASE_VERSION-$arch-linux"
	local url="${base%/}/$name.tar.gz"

	local work
	work="$(mktemp -d "${TMPDIR:-/tmp}/hubcfg-bootstrap.XXXXXX")"
	# shellcheck disable=SC2064 # expand now: $work is local
	trap "rm -rf -- '$work'" EXIT
	say "downloading hubcfg $RELEASE_VERSION: $url"
	fetch "$url" "$work/$name.tar.gz"
	local actual
	actual="$(sha256sum "$work/$name.tar.gz" | cut -d' ' -f1)"
	[ "$actual" = "$sha" ] ||
		die "checksum mismatch for $url: expected sha256 $sha, got $actual; nothing was installed"
	tar -xzf "$work/$name.tar.gz" -C "$work" --no-same-owner ||
		die "could not unpack $url"
	[ -x "$work/$name/hubcfg" ] || die "$url holds no $name/hubcfg"
	# Not exec: the trap removes the temp dir (bootstrap installs its own copy).
	local rc=0
	"$work/$name/hubcfg" "$@" </dev/null || rc=$?
	[ "$rc" -ne 126 ] || die "could not execute $work/$name/hubcfg (is $(dirname "$work") mounted noexec?); set TMPDIR to another directory"
	return "$rc"
}

main "$@" --end-of-bootstrap.sh
