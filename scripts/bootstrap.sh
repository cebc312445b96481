#!/usr/bin/env bash
# Installs a Littlest JupyterHub with hubcfg:
#
#   curl -fsSL <URL of this script> | sudo bash -s -- --admin me
#
# Downloads the hubcfg release binary for this machine, checks its sha256 and
# runs `hubcfg bootstrap` with the arguments given. Inside a git checkout of
# hubcfg it builds the binary from source instead.
#
# Overrides (mirrors, air-gapped sites):
#   HUBCFG_RELEASE_URL     base URL holding hubcfg-<arch>-linux and .sha256
#   HUBCFG_BINARY_URL      the binary itself (URL, file:// URL or local path)
#   HUBCFG_BINARY_SHA256   its sha256 (required with HUBCFG_BINARY_URL)

# Where releases live. No release hosting exists yet: this is a placeholder
# (.invalid never resolves), so set HUBCFG_RELEASE_URL or HUBCFG_BINARY_URL.
DEFAULT_RELEASE_URL="https://releases.invalid/hubcfg/latest"

set -euo pipefail

die() {
	echo "bootstrap.sh: error: $*" >&2
	exit 1
}

say() {
	echo "bootstrap.sh: $*" >&2
}

# Everything runs from main, called on the last line, so a script cut off
# mid-download by `curl | bash` runs nothing at all.
main() {
	if [ "$(id -u)" -ne 0 ]; then
		local self="${BASH_SOURCE[0]:-}"
		if [ -f "$self" ] && command -v sudo >/dev/null 2>&1; then
			say "root is needed; re-running with sudo"
			exec sudo -- bash "$self" "$@"
		fi
		die "run this as root, for example: curl -fsSL URL | sudo bash -s -- --admin NAME"
	fi

	local arch
	arch="$(uname -m)"
	case "$arch" in
	x86_64 | aarch64) ;;
	arm64) arch=aarch64 ;;
	*) die "unsupported machine architecture '$arch' (hubcfg supports x86_64 and aarch64)" ;;
	esac

	local checkout
	if checkout="$(find_checkout)"; then
		run_from_checkout "$checkout" "$@"
	else
		run_release "$arch" "$@"
	fi
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
			die "cargo not found: install Rust from https://rustup.rs, or run this script outside the checkout to use a release binary"
		(cd "$root" && cargo build --release </dev/null) || die "building hubcfg failed (see above)"
	fi
	"$root/target/release/hubcfg" bootstrap "$@" </dev/null
}

# Copies URL (http(s), file:// or a local path) to FILE.
fetch() {
	local url="$1" out="$2"
	case "$url" in
	*://*)
		command -v curl >/dev/null 2>&1 || die "curl is needed to download $url"
		curl -fsSL --retry 3 --retry-delay 2 -o "$out" "$url" </dev/null ||
			die "could not download $url"
		;;
	*) cp -- "$url" "$out" || die "could not read $url" ;;
	esac
}

run_release() {
	local arch="$1"
	shift
	local url sha
	if [ -n "${HUBCFG_BINARY_URL:-}" ]; then
		url="$HUBCFG_BINARY_URL"
		sha="${HUBCFG_BINARY_SHA256:-}"
		[ -n "$sha" ] || die "HUBCFG_BINARY_URL is set but HUBCFG_BINARY_SHA256 is not; set it to the binary's sha256"
	else
		local base="${HUBCFG_RELEASE_URL:-$DEFAULT_RELEASE_URL}"
		[ "$base" != "$DEFAULT_RELEASE_URL" ] ||
			die "no hubcfg release location is configured yet; set HUBCFG_RELEASE_URL (a base URL with hubcfg-$arch-linux and hubcfg-$arch-linux.sha256), or HUBCFG_BINARY_URL and HUBCFG_BINARY_SHA256"
		url="${base%/}/hubcfg-$arch-linux"
		sha=""
	fi

	local work
	work="$(mktemp -d "${TMPDIR:-/tmp}/hubcfg-bootstrap.XXXXXX")"
	# shellcheck disable=SC2064 # expand now: $work is local
	trap "rm -rf -- '$work'" EXIT
	if [ -z "$sha" ]; then
		fetch "$url.sha256" "$work/hubcfg.sha256"
		sha="$(cut -d' ' -f1 <"$work/hubcfg.sha256")"
	fi
	sha="$(echo "$sha" | tr 'A-F' 'a-f')"
	echo "$sha" | grep -Eq '^[0-9a-f]{64}$' || die "'$sha' is not a sha256 checksum (for $url)"

	say "downloading $url"
	fetch "$url" "$work/hubcfg"
	local actual
	actual="$(sha256sum "$work/hubcfg" | cut -d' ' -f1)"
	[ "$actual" = "$sha" ] ||
		die "sha256 mismatch for $url: expected $sha, got $actual; nothing was run"
	chmod 0755 "$work/hubcfg"
	# Not exec: the trap removes the temp copy (bootstrap installs its own).
	local rc=0
	"$work/hubcfg" bootstrap "$@" </dev/null || rc=$?
	[ "$rc" -ne 126 ] || die "could not execute $work/hubcfg (is $(dirname "$work") mounted noexec?); set TMPDIR to another directory"
	return "$rc"
}

main "$@"
