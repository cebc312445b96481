# shellcheck shell=bash
# The fresh machines of scripts/e2e (sourced). Scenarios registered with
# machine="NAME" (core.scenario; NAME one of FRESH_MACHINES) run on a fresh
# container booted WITHOUT an install, one machine per name, in this order,
# after the first machine's checks: the one before is halted (ports 80,
# 443… are fixed: one at a time), a new copy of the base root boots, and
# that machine's selected scenarios run against it. "second" gets what the
# first machine left in E2E_CARRY (a directory inside both machines),
# carried through the host directory $WORK/carry; "tljh" is built into a
# TLJH-shaped machine by its first scenario (tljh_checks.py). Uses e2e's
# WORK, ROOT, BASE, REPO, HARNESS_CHECKS, the container functions,
# pass/fail and count_results.

export E2E_CARRY=/root/e2e-carry
FRESH_MACHINES=(second tljh)

# The selected names for machine $2, one a line (none: no phase).
fresh_machine_names() {
  E2E_MACHINE=$2 E2E_HARNESS=$HARNESS_CHECKS "$1" -B "$REPO/scripts/e2e_checks.py" --list
}

# Copies E2E_CARRY out of the halted machine's root into a new root for $1.
carry_to_fresh_root() {
  local host=$WORK/carry
  rm -rf "$host"
  mkdir -m 700 "$host"
  if [[ -d $ROOT$E2E_CARRY ]]; then cp -a "$ROOT$E2E_CARRY/." "$host/"; fi
  ROOT=$WORK/root-$1
  say "fresh copy of the base root in $ROOT ($1 machine)"
  cp -a "$BASE" "$ROOT"
  carry_pip_config "$ROOT"
  mkdir -m 700 "$ROOT$E2E_CARRY"
  cp -a "$host/." "$ROOT$E2E_CARRY/"
}

fresh_machine() {
  local python=$1 machine=$2 names t rc=0
  names=$(fresh_machine_names "$python" "$machine") || die "the $machine machine's selection failed (see above)"
  [[ -n $names ]] || return 0
  say "$machine machine for $(echo "$names" | paste -sd, -): halting the one before"
  halt_container
  carry_to_fresh_root "$machine"
  serve_dir "$WORK/www"
  # shellcheck disable=SC2034 # container.sh reads them
  NSPAWN_PID="" LEADER=""
  t=$SECONDS
  boot
  echo "$machine machine booted in $((SECONDS - t))s, nothing installed"
  E2E_EXEC=$(in_box_words)
  export E2E_EXEC E2E_MACHINE=$machine E2E_RESULTS=$WORK/results-$machine.txt
  in_background run_logged "$WORK/checks-$machine.log" "$python" -B -u "$REPO/scripts/e2e_checks.py" || rc=$?
  unset E2E_MACHINE
  count_results "$E2E_RESULTS" "$rc"
}

fresh_machines() {
  local m
  for m in "${FRESH_MACHINES[@]}"; do fresh_machine "$1" "$m"; done
}
