"""A workshop rehearsal (scripts/bench-workshop): N participants, created
with `hubcfg users add --generate-passwords`, log in at the same moment,
spawn, open JupyterLab, pull the teacher's repository through an nbgitpuller
link (unless --no-pull) and run a cell, over HTTP and websockets as a
browser does. Prints per phase the time since the start signal (p50, p95,
max), the failures with their reason, and what the container used (procstat).

A benchmark, not a timed test: the scenario `workshop_rehearsal` (selected
only by E2E_ONLY) fails only when the rehearsal itself could not run. Its
options come from E2E_WORKSHOP (bench-workshop's own, as shell words), its
figures go as JSON to E2E_WORKSHOP_OUT."""

import argparse
import csv
import io
import json
import math
import resource
import os
import shlex
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from . import procstat
from .browser import Browser
from .core import CheckFailed, expect, scenario, tail
from .gitrepo import NOTEBOOK, GitRepo

PHASES = ("login", "spawn ready", "lab open", "pulled", "first result")
CODE, RESULT = "5 * 4", "20"
TARGETPATH = "workshop"


def options(words):
    ap = argparse.ArgumentParser(prog="bench-workshop", add_help=False)
    ap.add_argument("--participants", type=int, default=20)
    ap.add_argument("--no-pull", action="store_true")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=300, help="seconds one participant may take in all")
    opts = ap.parse_args(words)
    if min(opts.participants, opts.runs, opts.timeout) < 1:
        ap.error("--participants, --runs and --timeout must be at least 1")
    return opts


def _events(resp):
    """The JSON of each `data:` line of an event stream."""
    for line in resp.iter_lines(decode_unicode=True):
        if line and line.startswith("data:"):
            yield json.loads(line[5:])


class Participant:
    def __init__(self, c, name, password, repo_url, timeout):
        self.b = Browser(c)
        self.name, self.password, self.repo_url, self.timeout = name, password, repo_url, timeout
        self.at = {}  # phase -> seconds since the start signal
        self.error = None  # (phase, reason)

    def run(self, start):
        phase = "login"
        try:
            start.wait()
            t0 = time.time()
            mark = lambda p: self.at.__setitem__(p, time.time() - t0)  # noqa: E731
            if not self.b.login(self.name, self.password):
                raise CheckFailed("the login form refused the password")
            mark("login")
            phase = "spawn ready"
            self.spawn()
            mark("spawn ready")
            phase = "lab open"
            r = self.b.s.get(self.b.url(f"/user/{self.name}/lab"), timeout=self.timeout)
            if r.status_code != 200 or "jupyter-config-data" not in r.text:
                raise CheckFailed(f"GET /user/{self.name}/lab ended at {r.url} with {r.status_code}")
            mark("lab open")
            self.b.get_token()  # the lab page's own requests: the server's API with the user's token
            if self.repo_url:
                phase = "pulled"
                self.pull()
                mark("pulled")
            phase = "first result"
            kid = self.b.start_kernel()
            out = self.b.execute(kid, CODE, timeout=self.timeout)
            if out != RESULT:
                raise CheckFailed(f"{CODE} gave {out!r}")
            mark("first result")
        except Exception as e:  # a participant's failure is a figure
            self.error = (phase, f"{type(e).__name__}: {tail(str(e), 2)}")

    def spawn(self):
        """As the spawn-pending page: start, then follow the progress stream."""
        self.b.api("POST", f"/users/{self.name}/server", (201, 202))
        url = self.b.url(f"/hub/api/users/{self.name}/server/progress")
        xsrf = self.b.xsrf() or ""
        with self.b.s.get(url, params={"_xsrf": xsrf}, headers={"X-XSRFToken": xsrf}, stream=True, timeout=self.timeout) as r:
            if r.status_code != 200:
                raise CheckFailed(f"the progress stream answered {r.status_code}: {r.text[:200]}")
            last = {}
            for ev in _events(r):
                last = ev
                if ev.get("ready"):
                    return
                if ev.get("failed"):
                    raise CheckFailed(f"spawn failed: {ev.get('message')}")
        raise CheckFailed(f"the progress stream ended without ready: {last}")

    def pull(self):
        """The nbgitpuller link: its page, then the sync stream it opens."""
        q = {"repo": self.repo_url, "branch": "main", "targetpath": TARGETPATH}
        link = self.b.url(f"/hub/user-redirect/git-pull?{urlencode({**q, 'urlpath': f'lab/tree/{TARGETPATH}/{NOTEBOOK}'})}")
        r = self.b.s.get(link, timeout=self.timeout)
        if r.status_code != 200:
            raise CheckFailed(f"the nbgitpuller link ended at {r.url} with {r.status_code}")
        api = self.b.url(f"/user/{self.name}/git-pull/api?{urlencode(q)}")
        headers = {"Authorization": f"token {self.b.token}"}
        with self.b.s.get(api, headers=headers, stream=True, timeout=self.timeout) as r:
            for ev in _events(r):
                if ev.get("phase") == "finished":
                    break
                if ev.get("phase") == "error":
                    raise CheckFailed(f"nbgitpuller: {ev.get('message')} {tail(ev.get('output', ''), 2)}")
            else:
                raise CheckFailed(f"the nbgitpuller stream ended without finishing ({r.status_code})")
        r = self.b.server_api("GET", f"/contents/{TARGETPATH}/{NOTEBOOK}?content=0")
        if r.status_code != 200:
            raise CheckFailed(f"{TARGETPATH}/{NOTEBOOK} is not there after the pull ({r.status_code})")


def _pct(values, p):
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def make_participants(c, run, n):
    # New names in every rehearsal: each starts as a first login (no account, no clone).
    stamp = time.strftime("%H%M%S")
    names = [f"w{stamp}r{run}-{i:02d}" for i in range(1, n + 1)]
    out = c.hubcfg("users", "add", *names, "--generate-passwords").stdout
    rows = {r["name"]: r["password"] for r in csv.DictReader(io.StringIO(out))}
    if sorted(rows) != sorted(names):  # setup, not the claim: E2E_BREAK leaves it alone
        raise CheckFailed(f"users add --generate-passwords printed {sorted(rows)[:5]}…")
    return [(name, rows[name]) for name in names]


def one_run(c, run, opts, repo_url):
    people = [Participant(c, n, pw, repo_url, opts.timeout) for n, pw in make_participants(c, run, opts.participants)]
    leader = procstat.leader_pid(c.exec_prefix)
    sampler = procstat.Sampler(leader) if leader else None
    load_before = procstat.loadavg()
    start = threading.Event()
    driver_cpu = _own_cpu()
    with ThreadPoolExecutor(len(people)) as pool:
        futures = [pool.submit(p.run, start) for p in people]
        time.sleep(1)  # every thread waits at the start line (not a readiness wait: an equal start)
        if sampler:
            sampler.start()
        t = time.time()
        start.set()
        for f in futures:
            f.result()
    wall = time.time() - t
    driver_cpu = _own_cpu() - driver_cpu
    usage = sampler.stop() if sampler else None
    stopped = _stop_all(people)
    phases = {}
    for ph in PHASES:
        times = [p.at[ph] for p in people if ph in p.at]
        if times:
            phases[ph] = {"n": len(times), "p50": _pct(times, 50), "p95": _pct(times, 95), "max": max(times)}
    alone = [p.at["spawn ready"] - p.at["login"] for p in people if "spawn ready" in p.at]
    if alone:  # the spawn alone, against Spawner.start_timeout + http_timeout
        phases["spawn alone"] = {"n": len(alone), "p50": _pct(alone, 50), "p95": _pct(alone, 95), "max": max(alone)}
    failures = [{"name": p.name, "phase": p.error[0], "reason": p.error[1]} for p in people if p.error]
    return {
        "run": run, "participants": opts.participants, "pull": bool(repo_url), "wall": wall,
        "load_before": load_before, "load_after": procstat.loadavg(), "phases": phases,
        "failures": failures, "usage": usage, "stopped_in": stopped, "driver_cpu": driver_cpu,
    }


def _own_cpu():
    """CPU-seconds of this load driver (it shares the machine's cores)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _stop_all(people):
    """Stops every server (as the admin would before the next run); seconds taken."""
    t = time.time()

    def stop(p):
        try:
            p.b.stop(timeout=180)
        except Exception:  # reported by the next run's figures, if at all
            pass

    with ThreadPoolExecutor(len(people)) as pool:
        list(pool.map(stop, people))
    return time.time() - t


def print_run(r, out=print):
    pull = "with the nbgitpuller step" if r["pull"] else "no nbgitpuller step"
    out(f"run {r['run']}: {r['participants']} participants at once, {pull}; load average before {r['load_before']}, "
        f"after {r['load_after']} (host, {procstat.host_cores()} cores); all done in {r['wall']:.1f}s")
    out(f"  {'phase (s since start)':<24}{'ok':>5}{'p50':>8}{'p95':>8}{'max':>8}")
    for ph in (*PHASES, "spawn alone"):
        f = r["phases"].get(ph)
        if f:
            out(f"  {ph:<24}{f['n']:>5}{f['p50']:>8.1f}{f['p95']:>8.1f}{f['max']:>8.1f}")
    out(f"  failures: {len(r['failures'])}")
    for f in r["failures"]:
        out(f"    {f['name']} at {f['phase']}: {f['reason']}")
    u = r["usage"]
    if u:
        mb = 1024 * 1024
        out(f"  hub (jupyterhub process): peak RSS {u['hub_peak_rss'] / mb:.0f} MB, "
            f"{u['cpu_by_role'].get('hub', 0):.1f} CPU-s (+ {u['cpu_by_role'].get('hub children', 0):.1f} CPU-s in its children: ensure-user, systemctl)")
        out(f"  container: peak RSS {u['peak_rss'] / mb:.0f} MB (sum over processes, sampled every 200 ms, {u['samples']} samples), "
            f"{u['cpu_total']:.1f} CPU-s, {u['cores_busy_mean']:.2f} cores busy on average, {u['cores_busy_peak']:.2f} at peak (1 s)")
        roles = ", ".join(f"{k} {v:.1f}" for k, v in sorted(u["cpu_by_role"].items(), key=lambda kv: -kv[1]) if v >= 0.05)
        out(f"  CPU-s by process: {roles}; per participant {u['cpu_total'] / max(1, r['participants']):.2f} CPU-s")
    other = f"; the rest of the host {u['host_busy'] - u['cpu_total'] - r['driver_cpu']:.1f}" if u and "host_busy" in u else ""
    out(f"  CPU-s elsewhere on the same cores: this load driver {r.get('driver_cpu', 0):.1f}{other}; "
        f"servers stopped afterwards in {r['stopped_in']:.0f}s")


def rehearse(c, opts):
    results = []
    repo = None if opts.no_pull else GitRepo()
    try:
        for run in range(1, opts.runs + 1):
            r = one_run(c, run, opts, repo.url if repo else None)
            print_run(r, lambda s: print(f"    {s}", flush=True))
            results.append(r)
    finally:
        if repo:
            repo.close()
    return results


@scenario(only_list="bench")
def workshop_rehearsal(c):
    """scripts/bench-workshop's rehearsal (see the top of this module)."""
    opts = options(shlex.split(os.environ.get("E2E_WORKSHOP", "")))
    results = rehearse(c, opts)
    out = os.environ.get("E2E_WORKSHOP_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(results, f, indent=1)
    ok = sum(r["phases"].get("first result", {}).get("n", 0) for r in results)
    expect(ok > 0, "no participant got a first result in any run")
