"""Memory figures: each process's RSS inside the machine (from /proc, by
role: hub, culler, Traefik, user servers and kernels), and the outer cgroup
v1 memory group scripts/e2e puts the container in (E2E_MEMCG)."""

import json
import os
import shlex
import threading

MB = 1024 * 1024

# Runs inside with the hub's Python: every process but itself, with its user,
# VmRSS and RssAnon (kB) and command line.
_PS = r"""
import json, os, pwd
out = []
for pid in os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        with open(f"/proc/{pid}/status") as f:
            st = dict(l.split(":", 1) for l in f if ":" in l)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        continue
    if not args or "VmRSS" not in st:
        continue
    uid = int(st["Uid"].split()[0])
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    kb = lambda k: int(st.get(k, "0 kB").split()[0])
    out.append({"pid": int(pid), "user": user, "rss": kb("VmRSS"), "anon": kb("RssAnon"), "args": args[:300]})
print(json.dumps(out))
"""


def role(p):
    a = p["args"]
    if "jupyterhub_idle_culler" in a:
        return "culler"
    if "jupyterhub-singleuser" in a:
        return "server"
    if "ipykernel" in a:
        return "kernel"
    if "bin/traefik" in a:
        return "traefik"
    if " -m jupyterhub " in a + " " or "bin/jupyterhub " in a + " ":
        return "hub"
    return "system"


def processes(c):
    """Every process inside: dicts with pid, user, rss and anon (kB), args, role."""
    p = c.sh(f"{c.prefix}/hub/bin/python3 -c {shlex.quote(_PS)}")
    procs = json.loads(p.stdout)
    for x in procs:
        x["role"] = role(x)
    return procs


def summary(procs):
    """{role: {"n", "rss", "anon"}} in MB, and {unix user: {"server", "kernel", "rss", "anon"}}."""
    roles, users = {}, {}
    for p in procs:
        r = roles.setdefault(p["role"], {"n": 0, "rss": 0.0, "anon": 0.0})
        r["n"] += 1
        r["rss"] += p["rss"] / 1024
        r["anon"] += p["anon"] / 1024
        if p["role"] in ("server", "kernel"):
            u = users.setdefault(p["user"], {"server": 0.0, "kernel": 0.0, "rss": 0.0, "anon": 0.0})
            u[p["role"]] += p["rss"] / 1024
            u["rss"] += p["rss"] / 1024
            u["anon"] += p["anon"] / 1024
    return roles, users


def report(procs, out=print):
    """Prints one line per role and one per user (server + kernel); returns summary()."""
    roles, users = summary(procs)
    for name in ("hub", "culler", "traefik", "system"):
        r = roles.get(name)
        if r:
            out(f"    rss  {name:<8} {r['rss']:6.0f} MB (anon {r['anon']:4.0f} MB, {r['n']} process{'es' if r['n'] > 1 else ''})")
    for user, u in sorted(users.items()):
        out(f"    rss  {user}: server {u['server']:.0f} MB + kernel {u['kernel']:.0f} MB = {u['rss']:.0f} MB (anon {u['anon']:.0f} MB)")
    return roles, users


class MemCG:
    """The outer memory cgroup (None outside scripts/e2e's E2E_MEMORY/bench runs)."""

    def __init__(self, path):
        self.path = path

    @classmethod
    def from_env(cls, env=os.environ):
        path = env.get("E2E_MEMCG", "")
        return cls(path) if path and os.path.isdir(path) else None

    def read(self, name):
        with open(os.path.join(self.path, name)) as f:
            return f.read()

    def value(self, name):
        return int(self.read(name).split()[0])

    def stat(self, key):
        for line in self.read("memory.stat").splitlines():
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
        return 0

    def oom_kills(self):
        for line in self.read("memory.oom_control").splitlines():
            k, _, v = line.partition(" ")
            if k == "oom_kill":
                return int(v)
        return -1

    def reset_peak(self):
        with open(os.path.join(self.path, "memory.max_usage_in_bytes"), "w") as f:
            f.write("0")

    def line(self, rss_max):
        lim = self.value("memory.limit_in_bytes")
        limit = f"{lim // MB} MB" if lim < 1 << 50 else "none"
        return (
            f"peak usage {self.value('memory.max_usage_in_bytes') // MB} MB (page cache included), "
            f"peak total_rss {rss_max // MB} MB (sampled every 100 ms), now {self.value('memory.usage_in_bytes') // MB} MB; "
            f"oom_kill {self.oom_kills()}, failcnt {self.value('memory.failcnt')}, "
            f"memsw.failcnt {self.value('memory.memsw.failcnt')} (limit {limit})"
        )


class RssSampler(threading.Thread):
    """The maximum of the group's total_rss, read every 100 ms while running."""

    def __init__(self, cg):
        super().__init__(daemon=True)
        self.cg, self.max, self._halt = cg, 0, threading.Event()

    def run(self):
        while not self._halt.is_set():
            try:
                self.max = max(self.max, self.cg.stat("total_rss"))
            except OSError:
                return
            self._halt.wait(0.1)

    def stop(self):
        self._halt.set()
        self.join(5)
        return self.max
