"""A small machine (E2E_LIST=memory; scripts/e2e runs it under E2E_MEMORY=1G):
what the hub costs at rest, then participants logging in, spawning and
running code at the same time with limits.memory = 256M.

Only the outer memory cgroup (E2E_MEMCG) is a real limit: inside the
container the memory and cpu controllers are mounted read-only, so systemd
cannot apply each server's MemoryMax= there (it is set on the unit, and
enforced on a real machine)."""

import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

from . import memory
from .browser import dummy_user, ensure_dummy_auth, spawn_and_run
from .core import expect, scenario, tail

GOAL = 6
MIN_OK = 4
# What one participant adds (server + kernel after the first cell, RSS that is
# not page cache; measured about 144 MB), unless memory_at_rest measured it,
# and the page cache the hub, servers and kernels need to run their code from
# (under the same limit: without it they page their code in and out).
PER_PARTICIPANT = 145 * memory.MB
CODE_CACHE = 150 * memory.MB
LIMIT = "256M"
# What a participant's first cell might do: some data in memory, kept for the
# second cell (which shows the kernel was not restarted in between).
FIRST = "x = [i * i for i in range(200_000)]; len(x)"
SECOND = "x[-1]"


def _bench_write(name, data):
    d = os.environ.get("E2E_BENCH_DIR")
    if d:
        with open(os.path.join(d, name), "w") as f:
            json.dump(data, f, indent=1)


def _cgroup_note(c):
    p = c.sh("findmnt -n -o OPTIONS /sys/fs/cgroup/memory; findmnt -n -o OPTIONS /sys/fs/cgroup/cpu,cpuacct", check=False)
    ro = all(opts.split(",")[0] == "ro" for opts in p.stdout.split()) and p.stdout.strip()
    state = "read-only" if ro else f"mounted with {p.stdout.split()}"
    print(
        f"    note: inside the container the memory and cpu controllers are {state}, so per-user limits "
        f"(limits.memory, MemoryMax= on each server's unit) are NOT enforced here: only the outer "
        f"{os.environ.get('E2E_MEMORY', '')} memory cgroup is real",
        flush=True,
    )


@scenario(only_list="memory")
def preflight_says_how_many_fit(c):
    """Under 2 GB (here the group's limit, not the host's MemTotal) the
    install's preflight warning counts the participants that fit. Preflight
    writes no log: this reads the install's output (E2E_BOOTSTRAP_LOG)."""
    path = os.environ.get("E2E_BOOTSTRAP_LOG", "")
    expect(bool(path) and os.path.isfile(path), f"E2E_BOOTSTRAP_LOG={path!r} is not the install's output")
    with open(path, errors="replace") as f:
        out = f.read()
    m = re.search(r"warning: this machine has .* of RAM: about \d+ participants? can work at the same time", out)
    warnings = [line.strip() for line in out.splitlines() if "warning:" in line]
    expect(m is not None, f"no participant count among the install's warnings: {warnings[:5]}")
    print(f"    {m.group(0)}", flush=True)


@scenario(only_list="memory")
def memory_at_rest(c):
    """RSS of the hub (+ idle culler), Traefik, and one idle user server with
    its kernel after a login: the figures for sizing a machine."""
    ensure_dummy_auth(c)
    b = dummy_user(c, "e2e-rest")
    spawn_and_run(b)
    b.open_server()
    kid = b.start_kernel()
    try:
        expect(b.execute(kid, "5 * 4") == "20", "the kernel did not compute 5 * 4")
        time.sleep(5)  # let the server and kernel go idle: a measurement, not a wait for readiness
        print("    memory at rest (one idle participant, kernel running):", flush=True)
        roles, users = memory.report(memory.processes(c))
        _bench_write("rest.json", {"roles": roles, "users": users})
        c.state["participant_anon"] = next(iter(users.values()))["anon"] * memory.MB if users else 0
        expect("hub" in roles and "traefik" in roles, f"no hub or Traefik process among {sorted(roles)}")
        expect(users, "no user server process found")
    finally:
        b.server_api("DELETE", f"/kernels/{kid}")
        b.stop()


def _participant(b):
    """Spawns, opens the server as a browser does, runs the first cell in a
    kernel that is kept; returns the kernel id."""
    b.spawn()
    b.open_server()
    kid = b.start_kernel()
    out = b.execute(kid, FIRST)
    expect(out == "200000", f"{b.name}'s first cell gave {out!r}")
    return kid


def _second_cell(b, kid):
    out = b.execute(kid, SECOND)
    expect(out == str(199_999**2), f"{b.name}'s second cell gave {out!r} (kernel restarted?)")


@scenario(only_list="memory")
def participants_at_once(c):
    """As many participants as fit (see how_many; E2E_PARTICIPANTS forces a
    number) log in, spawn and run code at the same time with limits.memory =
    LIMIT; at least MIN_OK must succeed, nothing may be killed for memory, and
    the hub, Traefik and every server stay up."""
    _cgroup_note(c)
    ensure_dummy_auth(c)
    c.sh(f"tljh-config set limits.memory {LIMIT} && tljh-config reload")
    cg = memory.MemCG.from_env()
    if cg is None:
        print("    no outer memory cgroup (E2E_MEMCG): peaks and OOM kills are not checked", flush=True)
    restarts = "systemctl show -p NRestarts --value jupyterhub traefik"
    restarts_before = c.sh(restarts).stdout.split()
    browsers = [dummy_user(c, f"e2e-load-{i}") for i in range(1, how_many(c, cg) + 1)]
    sampler = None
    if cg:
        oom_before = cg.oom_kills()
        cg.reset_peak()
        sampler = memory.RssSampler(cg)
        sampler.start()
    ok, failed = [], []
    try:
        t = time.time()
        with ThreadPoolExecutor(len(browsers)) as pool:
            futures = [(b, pool.submit(_participant, b)) for b in browsers]
            for b, fut in futures:
                try:
                    ok.append((b, fut.result()))
                except Exception as e:  # one participant's failure is a figure, not the end
                    failed.append(f"{b.name}: {type(e).__name__}: {e}")
        print(f"    {len(ok)} of {len(browsers)} participants spawned and ran code at once in {time.time() - t:.0f}s", flush=True)
        for f in failed:
            print(f"    failed: {tail(f, 3)}", flush=True)
        # All of them still running: each runs a second cell, at once.
        with ThreadPoolExecutor(max(1, len(ok))) as pool:
            for (b, _), fut in [(x, pool.submit(_second_cell, *x)) for x in ok]:
                try:
                    fut.result()
                except Exception as e:
                    failed.append(f"{b.name} (second cell): {type(e).__name__}: {e}")
        procs = memory.processes(c)
        print(f"    memory with {len(ok)} participants running:", flush=True)
        roles, users = memory.report(procs)
        if cg:
            print(f"    outer cgroup during the load: {cg.line(sampler.stop())}", flush=True)
        unit = c.unit_of(ok[0][0].name) if ok else None
        if unit:
            mem_max = c.sh(f"systemctl show -p MemoryMax --value {unit}").stdout.strip()
            print(f"    {unit}: MemoryMax={mem_max} (set, not enforced in the container)", flush=True)
        _bench_write("load.json", {"ok": len(ok), "of": len(browsers), "roles": roles, "users": users})

        if cg:
            kills = cg.oom_kills() - oom_before
            expect(kills == 0, f"{kills} process(es) were killed for memory (oom_kill in {cg.path})")
        expect(c.hub_api_ok(), "the hub does not answer")
        p = c.sh("systemctl is-active jupyterhub traefik", check=False)
        expect(p.stdout.split() == ["active", "active"], f"jupyterhub, traefik: {p.stdout.split()}")
        restarts_after = c.sh(restarts).stdout.split()
        expect(restarts_after == restarts_before, f"jupyterhub/traefik restarted: NRestarts {restarts_before} → {restarts_after}")
        down = [b.name for b, _ in ok if not b.server_ready()]
        expect(not down, f"servers no longer ready: {down}")
        expect(len(ok) >= MIN_OK and not any("second cell" in f for f in failed),
               f"{len(ok)} of {len(browsers)} participants succeeded (need {MIN_OK}): {failed}")
    finally:
        if sampler and sampler.is_alive():
            sampler.stop()
        with ThreadPoolExecutor(len(browsers)) as pool:
            list(pool.map(_quiet_stop, browsers))
        c.sh("tljh-config unset limits.memory && tljh-config reload", check=False)


def how_many(c, cg):
    """E2E_PARTICIPANTS, else what the group's limit holds after what runs now
    (hub, culler, Traefik, system: its total_rss) and the page cache their code
    needs, at one participant's measured cost: at least MIN_OK (the claim
    under test), at most GOAL."""
    forced = os.environ.get("E2E_PARTICIPANTS")
    if forced:
        print(f"    {forced} participants (E2E_PARTICIPANTS)", flush=True)
        return int(forced)
    if cg is None:
        return GOAL
    limit, base = cg.value("memory.limit_in_bytes"), cg.stat("total_rss")
    per = max(PER_PARTICIPANT, c.state.get("participant_anon", 0) + 10 * memory.MB)
    fit = (limit - base - CODE_CACHE) // per
    n = max(MIN_OK, min(GOAL, fit))
    print(
        f"    {n} participants: the limit {limit // memory.MB} MB holds {fit} after {base // memory.MB} MB in use "
        f"and {CODE_CACHE // memory.MB} MB of page cache for code, at {per // memory.MB} MB each (goal {GOAL}, need {MIN_OK})",
        flush=True,
    )
    return n


def _quiet_stop(b):
    try:
        b.stop(timeout=120)
    except Exception:  # cleanup: the checks above have reported
        pass
