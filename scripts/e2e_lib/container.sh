# shellcheck shell=bash
# The booted container, shared by scripts/e2e and scripts/bench-install
# (sourced): the machine lock, the local release server, commands inside
# (in_box), boot and halt. Uses the caller's WORK, ROOT, RELEASE_PORT,
# IN_PATH, say, die, and MEMCG_RUN (memcg.sh: the prefix that puts a command
# into the run's memory cgroup; empty when there is none). Sets NSPAWN_PID,
# LEADER, HTTP_PID, BG_PID, IN_ENV.
# Functions run from traps look unreachable to shellcheck.
# shellcheck disable=SC2317

NSPAWN_PID="" LEADER="" HTTP_PID="" BG_PID=""
MEMCG_RUN=()

# Serves $1 on 127.0.0.1:$RELEASE_PORT; sets HTTP_PID (not in a subshell:
# teardown must see the pid).
serve_dir() {
  /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$1" "$RELEASE_PORT" >"$WORK/http.log" 2>&1 &
  HTTP_PID=$!
  for _ in $(seq 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$RELEASE_PORT/a/bootstrap.sh" 2>/dev/null && return 0
    sleep 0.1
  done
  die "the local release server did not start: $(cat "$WORK/http.log")"
}

# One container run at a time on a machine: they share the fixed ports and
# the caches. The lock is released when this script exits (fd 9 closes).
take_machine_lock() {
  local lock=${E2E_LOCK:-/run/lock/hubcfg-e2e.lock}
  mkdir -p "$(dirname "$lock")"
  exec 9>"$lock"
  if ! flock -n 9; then
    say "waiting for another e2e run on this machine to finish ($lock)"
    flock 9
  fi
}

# Long steps run in the background: bash runs a trap (Ctrl-C, a CI timeout's
# SIGTERM) only once its foreground command ends, but it interrupts `wait`.
in_background() {
  "$@" &
  BG_PID=$!
  wait "$BG_PID"
}

run_logged() {
  local log=$1
  shift
  "$@" 2>&1 | tee "$log"
}

# Our processes below $1 (the step in the background), deepest first.
descendants() {
  local c
  for c in $(ps -o pid= --ppid "$1"); do
    descendants "$c"
    echo "$c"
  done
}

# A clean environment inside, plus the host's proxy settings when it has any
# (loopback always bypasses them: the hub and the Traefik tarball are there).
in_env() {
  IN_ENV=("PATH=$IN_PATH" HOME=/root LANG=C.UTF-8 TERM=dumb)
  local v
  for v in http_proxy https_proxy HTTP_PROXY HTTPS_PROXY; do
    [[ -n ${!v:-} ]] && IN_ENV+=("$v=${!v}")
  done
  if ((${#IN_ENV[@]} > 4)); then
    IN_ENV+=("no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}" "NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}")
  fi
}
# A command inside, as root; in the memory cgroup when the run has one (a
# process nsenter starts stays in the caller's cgroup otherwise).
in_box() { "${MEMCG_RUN[@]}" nsenter -t "$LEADER" -a -- /usr/bin/env -i "${IN_ENV[@]}" "$@"; }
# The same prefix as one string of shell words (E2E_EXEC for the scenarios).
in_box_words() { printf '%q ' "${MEMCG_RUN[@]}" nsenter -t "$LEADER" -a -- /usr/bin/env -i "${IN_ENV[@]}"; }

boot() {
  # No host systemd here: --keep-unit and --register=no keep nspawn off the bus.
  "${MEMCG_RUN[@]}" systemd-nspawn -b -D "$ROOT" -M "hubcfg-e2e-$$" --register=no --keep-unit \
    --console=passive >"$WORK/boot.log" 2>&1 </dev/null &
  NSPAWN_PID=$!
  for _ in $(seq 100); do
    LEADER=$(ps -o pid= --ppid "$NSPAWN_PID" | head -n1 | tr -d ' ' || true)
    [[ -n $LEADER ]] && [[ $(cat "/proc/$LEADER/comm" 2>/dev/null) == systemd ]] && break
    kill -0 "$NSPAWN_PID" 2>/dev/null || die "systemd-nspawn exited: $(tail -n5 "$WORK/boot.log")"
    LEADER=""
    sleep 0.1
  done
  [[ -n $LEADER ]] || die "the container's systemd did not start: $(tail -n5 "$WORK/boot.log")"
  local state
  for _ in $(seq 300); do
    in_box test -S /run/systemd/private 2>/dev/null && break
    sleep 0.1
  done
  state=$(in_box timeout 120 systemctl is-system-running --wait || true)
  case $state in
    running | degraded) ;;
    *) die "container did not boot (state '$state'): $(tail -n5 "$WORK/boot.log")" ;;
  esac
}

# Stops the container (a clean halt, else SIGKILL), the step in the
# background and the release server.
halt_container() {
  if [[ -n $NSPAWN_PID ]] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
    # SIGRTMIN+3 asks systemd for a clean halt; nspawn then exits.
    if [[ -n $LEADER ]]; then kill -s RTMIN+3 "$LEADER" 2>/dev/null || true; fi
    for _ in $(seq 100); do
      kill -0 "$NSPAWN_PID" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$NSPAWN_PID" 2>/dev/null; then
      kill -KILL "$LEADER" "$NSPAWN_PID" 2>/dev/null || true
      wait "$NSPAWN_PID" 2>/dev/null || true
    fi
  fi
  # An interrupted step: its nsenter stops itself when the container's
  # shutdown stops its child (SIGSTOP broadcast), so wake it and end it.
  if [[ -n $BG_PID ]] && kill -0 "$BG_PID" 2>/dev/null; then
    local pids
    mapfile -t pids < <(descendants "$BG_PID")
    kill -TERM "${pids[@]}" "$BG_PID" 2>/dev/null || true
    kill -CONT "${pids[@]}" "$BG_PID" 2>/dev/null || true
    wait "$BG_PID" 2>/dev/null || true
  fi
  if [[ -n $HTTP_PID ]]; then kill "$HTTP_PID" 2>/dev/null || true; fi
}

# Removes $WORK unless something is still mounted under it.
remove_work() {
  if findmnt -rn -o TARGET | grep -q "^$WORK"; then
    echo "not removing $WORK: something is still mounted under it" >&2
  else
    rm -rf --one-file-system "$WORK"
  fi
}
