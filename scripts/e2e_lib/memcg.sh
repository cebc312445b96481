# shellcheck shell=bash
# A memory cgroup (cgroup v1) around the container, shared by scripts/e2e
# (E2E_MEMORY) and scripts/bench-install (sourced). The group is a child of
# this process's own memory group; boot() and in_box() (container.sh) run
# nspawn and every command inside through MEMCG_RUN, so the whole machine
# (its systemd, the install, the hub, every server) is charged to it.
# memory.max_usage_in_bytes counts page cache too; total_rss in memory.stat
# is the anonymous memory, sampled every 100 ms by memcg_sampler.
# Uses the caller's WORK, say, die; sets MEMCG, MEMCG_RUN.
# Functions run from traps look unreachable to shellcheck.
# shellcheck disable=SC2317

MEMCG="" MEMCG_SAMPLER_PID=""

# memcg_create NAME [LIMIT]: LIMIT like 1G (memory and memory+swap, so no
# swap); none: no limit, only the accounting.
memcg_create() {
  local name=$1 limit=${2:-} parent bytes
  parent=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
  [[ -n $parent && -d /sys/fs/cgroup/memory$parent ]] ||
    die "no cgroup v1 memory controller for this process (/proc/self/cgroup: $(tr '\n' ' ' </proc/self/cgroup))"
  MEMCG=/sys/fs/cgroup/memory${parent%/}/$name
  mkdir "$MEMCG" || die "cannot create the memory cgroup $MEMCG"
  if [[ -n $limit ]]; then
    bytes=$(numfmt --from=iec "$limit") || die "E2E_MEMORY=$limit: use a size like 1G or 1536M"
    # memory first: memsw may never be below it.
    if ! { echo "$bytes" >"$MEMCG/memory.limit_in_bytes" && echo "$bytes" >"$MEMCG/memory.memsw.limit_in_bytes"; }; then
      die "cannot set the limit $limit on $MEMCG"
    fi
  fi
  # $$ and $0 belong to the inner sh; MEMCG_RUN is read by container.sh.
  # shellcheck disable=SC2016,SC2034
  MEMCG_RUN=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$MEMCG")
}

memcg_value() { cat "$MEMCG/$1" 2>/dev/null || echo 0; }
memcg_oom_kills() { awk '$1 == "oom_kill" {print $2}' "$MEMCG/memory.oom_control" 2>/dev/null || echo "?"; }
mb() { echo $((${1:-0} / 1048576)); }

# Samples total_rss every 100 ms into $WORK/memcg-rss.max (the running max,
# in bytes) until memcg_sampler_stop; builtins only, apart from sleep.
memcg_sampler() {
  local max=0 k v out=$WORK/memcg-rss.max
  echo 0 >"$out"
  (
    trap 'exit 0' TERM
    while [[ -d $MEMCG ]]; do
      while read -r k v; do
        if [[ $k == total_rss ]]; then
          if ((v > max)); then
            max=$v
            echo "$max" >"$out.tmp" && mv -f "$out.tmp" "$out"
          fi
          break
        fi
      done <"$MEMCG/memory.stat"
      sleep 0.1
    done
  ) &
  MEMCG_SAMPLER_PID=$!
}

memcg_sampler_stop() {
  if [[ -n $MEMCG_SAMPLER_PID ]]; then
    kill "$MEMCG_SAMPLER_PID" 2>/dev/null || true
    wait "$MEMCG_SAMPLER_PID" 2>/dev/null || true
    MEMCG_SAMPLER_PID=""
  fi
}

# memcg_report WHAT: one line with the peaks since the last reset and the
# failure counts; then resets the peak (memory.max_usage_in_bytes).
memcg_report() {
  local rss limit
  rss=$(cat "$WORK/memcg-rss.max" 2>/dev/null || echo 0)
  limit=$(memcg_value memory.limit_in_bytes)
  if ((limit >= 1 << 50)); then limit=none; else limit="$(mb "$limit") MB"; fi
  echo "memory ($1): peak usage $(mb "$(memcg_value memory.max_usage_in_bytes)") MB (page cache included)," \
    "peak total_rss $(mb "$rss") MB (sampled every 100 ms), now $(mb "$(memcg_value memory.usage_in_bytes)") MB;" \
    "oom_kill $(memcg_oom_kills), failcnt $(memcg_value memory.failcnt), memsw.failcnt $(memcg_value memory.memsw.failcnt)" \
    "(limit $limit)"
  echo 0 >"$MEMCG/memory.max_usage_in_bytes" 2>/dev/null || true
  if [[ -n $MEMCG_SAMPLER_PID ]]; then
    memcg_sampler_stop
    memcg_sampler
  fi
}

# Moves whatever is left in the group to the parent, then removes it. Run
# after the container halted; safe to call twice.
memcg_remove() {
  [[ -n $MEMCG && -d $MEMCG ]] || return 0
  memcg_sampler_stop
  local parent pid
  parent=$(dirname "$MEMCG")
  for _ in 1 2 3 4 5; do
    while read -r pid; do
      echo "$pid" >"$parent/cgroup.procs" 2>/dev/null || true
    done <"$MEMCG/cgroup.procs"
    rmdir "$MEMCG" 2>/dev/null && break
    sleep 0.2
  done
  if [[ -d $MEMCG ]]; then echo "could not remove the memory cgroup $MEMCG" >&2; else MEMCG=""; fi
}
