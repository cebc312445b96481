# shellcheck shell=bash
# The second machine of scripts/e2e (sourced). When the selection has
# scenarios registered with machine="second" (core.scenario), the first
# container is halted after its checks (ports 80, 443… are fixed: one at a
# time), a fresh container boots from a new copy of the base root WITHOUT
# installing, and those scenarios run against it. E2E_CARRY (a directory
# inside both machines) carries files from the first to the second,
# through the host directory $WORK/carry. Uses e2e's WORK, ROOT, BASE,
# REPO, HARNESS_CHECKS, the container functions, pass/fail and
# count_results.

export E2E_CARRY=/root/e2e-carry

# The selected names for the second machine, one a line (none: no phase).
second_machine_names() {
  E2E_MACHINE=second E2E_HARNESS=$HARNESS_CHECKS "$1" -B "$REPO/scripts/e2e_checks.py" --list
}

# Copies E2E_CARRY out of the halted first machine's root into the new one.
carry_to_second() {
  local host=$WORK/carry
  rm -rf "$host"
  mkdir -m 700 "$host"
  if [[ -d $ROOT$E2E_CARRY ]]; then cp -a "$ROOT$E2E_CARRY/." "$host/"; fi
  ROOT=$WORK/root2
  say "fresh copy of the base root in $ROOT (second machine)"
  cp -a "$BASE" "$ROOT"
  carry_pip_config "$ROOT"
  mkdir -m 700 "$ROOT$E2E_CARRY"
  cp -a "$host/." "$ROOT$E2E_CARRY/"
}

second_machine() {
  local python=$1 names t rc=0
  names=$(second_machine_names "$python") || die "the second machine's selection failed (see above)"
  [[ -n $names ]] || return 0
  say "second machine for $(echo "$names" | paste -sd, -): halting the first"
  halt_container
  carry_to_second
  serve_dir "$WORK/www"
  # shellcheck disable=SC2034 # container.sh reads them
  NSPAWN_PID="" LEADER=""
  t=$SECONDS
  boot
  echo "second machine booted in $((SECONDS - t))s, nothing installed"
  E2E_EXEC=$(in_box_words)
  export E2E_EXEC E2E_MACHINE=second E2E_RESULTS=$WORK/results2.txt
  in_background run_logged "$WORK/checks2.log" "$python" -B -u "$REPO/scripts/e2e_checks.py" || rc=$?
  unset E2E_MACHINE
  count_results "$E2E_RESULTS" "$rc"
}
