"""Runs the selected scenarios in order against one machine.

Environment (besides the Container's, see core.Container):
  E2E_EXEC       command prefix that runs a command as root inside the machine
                 (empty: run directly, e.g. as root inside a VM)
  E2E_HUB        http://127.0.0.1 (the hub's http entry point)
  E2E_ADMIN      NAME:PASSWORD given to `bootstrap --admin`
  E2E_BOOTSTRAP  the install command line (shell words), for the re-run
  E2E_BOOTSTRAP_LOG  the first install's output (a file on the host)
  E2E_UPGRADE_BOOTSTRAP, E2E_UPGRADE_VERSION, E2E_UPGRADE_BINARY_SHA256
                 release B's install command, version and binary's sha256
  E2E_LIST       core, full (default) or memory (load_checks: scripts/e2e
                 under E2E_MEMORY): which list runs
  E2E_ONLY       comma-separated scenario names to run (instead of the list)
  E2E_BREAK      one scenario name whose expectations are inverted
  E2E_HARNESS    names the caller checks itself (accepted in E2E_ONLY/BREAK)
  E2E_RESULTS    file that receives one PASS/FAIL line per scenario
  E2E_MACHINE    first (default), second or tljh: run the selected scenarios
                 registered for that machine (scripts/e2e's fresh machines)
  E2E_CARRY      a directory inside both machines for what passes between them
`--list` prints the selected names, one a line, and runs nothing.
Prints "N passed, N failed" last; exit 1 on failure, 2 on a bad selection.
"""

import importlib
import os
import sys
import time
import traceback

from .core import SCENARIOS, CheckFailed, Container, _current, tail

# Registration order is run order.
MODULES = ["hub_checks", "config_checks", "status_checks", "letsencrypt_checks", "lifecycle_checks", "users_checks", "browser_checks", "load_checks", "workshop", "backup_checks", "plugin_checks", "uninstall_checks", "tljh_checks"]
LISTS = ("core", "full", "memory")


def names(env, key):
    return [n for n in env.get(key, "").split(",") if n]


def select(env):
    for m in MODULES:
        importlib.import_module(f"{__package__}.{m}")
    which = env.get("E2E_LIST", "full") or "full"
    if which not in LISTS:
        raise ValueError(f"E2E_LIST={which}: use {', '.join(LISTS)}")
    only, brk, harness = set(names(env, "E2E_ONLY")), env.get("E2E_BREAK", ""), set(names(env, "E2E_HARNESS"))
    known = {s.name for s in SCENARIOS}
    unknown = (only | ({brk} if brk else set())) - known - harness
    if unknown:
        raise ValueError(f"unknown scenario names: {sorted(unknown)}; known: {', '.join(s.name for s in SCENARIOS)}")
    if only:
        return [s for s in SCENARIOS if s.name in only]
    if which == "memory":
        return [s for s in SCENARIOS if s.only_list == "memory"]
    return [s for s in SCENARIOS if not s.only_list and (which == "full" or s.core)]


def hub_is_gone(c):
    for _ in range(30):
        if c.hub_api_ok():
            return False
        time.sleep(2)
    return True


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    env = os.environ
    try:
        chosen = select(env)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    machine = env.get("E2E_MACHINE", "first") or "first"
    chosen = [s for s in chosen if s.machine == machine]
    if argv == ["--list"]:
        print("\n".join(s.name for s in chosen))
        return 0
    import urllib3

    urllib3.disable_warnings()
    c = Container(env)
    _current["break"] = env.get("E2E_BREAK", "")
    passed = failed = 0
    results = open(env["E2E_RESULTS"], "a") if env.get("E2E_RESULTS") else None
    gone = False
    for s in chosen:
        _current["name"] = s.name
        t = time.time()
        if gone:
            line = f"FAIL {s.name}: not run, the hub is gone"
        else:
            try:
                s.fn(c)
                line = f"PASS {s.name} ({time.time() - t:.0f}s)"
            except CheckFailed as e:
                line = f"FAIL {s.name}: {e} ({time.time() - t:.0f}s)"
            except Exception as e:  # a scenario's bug or an unexpected answer: report, go on
                line = f"FAIL {s.name}: {type(e).__name__}: {e}\n      {tail(traceback.format_exc(), 6)}"
        _current["name"] = ""
        if line.startswith("PASS"):
            passed += 1
        else:
            failed += 1
            # A fresh machine has no hub until a scenario makes one.
            gone = gone or (machine == "first" and hub_is_gone(c))
        print(line, flush=True)
        if results:
            results.write(line.splitlines()[0] + "\n")
            results.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
