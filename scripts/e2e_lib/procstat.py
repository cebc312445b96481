"""CPU and memory of a whole container, sampled from the host's /proc: every
process in the container's pid namespace (that of the nsenter target in
E2E_EXEC), by role (memory.role: hub, server, kernel, traefik, culler,
system). A process's CPU includes its reaped children's (cutime, cstime), so
the sum over live processes also counts short-lived ones (`hubcfg
ensure-user`, systemctl) once they are waited for: the hub's children show
as "hub children"."""

import os
import re
import threading
import time

from .memory import role

TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def leader_pid(exec_prefix):
    """The pid after `nsenter -t` in a command prefix (scripts/e2e's E2E_EXEC)."""
    for i, word in enumerate(exec_prefix[:-1]):
        if word == "-t":
            return int(exec_prefix[i + 1])
    return None


def _read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def host_busy():
    """CPU-seconds every core of the host has been busy (not idle, not iowait)."""
    f = [int(x) for x in _read("/proc/stat").splitlines()[0].split()[1:]]
    return (sum(f[:8]) - f[3] - f[4]) / TICK


def loadavg():
    return " ".join(_read("/proc/loadavg").split()[:3])


class Sampler(threading.Thread):
    """Every `every` seconds: RSS and CPU ticks of each process in the
    namespace. After stop(): peaks, CPU-seconds by role, utilisation."""

    def __init__(self, leader, every=0.2):
        super().__init__(daemon=True)
        self.ns = os.readlink(f"/proc/{leader}/ns/pid")
        self.every, self._halt = every, threading.Event()
        self._roles = {}  # pid -> role (pids are not reused within a run)
        self.samples = []  # (time, {pid: (role, self_ticks, child_ticks, rss bytes)})
        self.host = []  # host_busy() at the first and last sample

    def snapshot(self):
        out = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.readlink(f"/proc/{pid}/ns/pid") != self.ns:
                    continue
                stat = _read(f"/proc/{pid}/stat")
                if pid not in self._roles:
                    args = _read(f"/proc/{pid}/cmdline", "rb").replace(b"\0", b" ").decode(errors="replace")
                    self._roles[pid] = role({"args": args.strip()})
            except OSError:
                continue
            # Fields after the command name (which may hold spaces and parens).
            f = stat[stat.rindex(")") + 2 :].split()
            rss = int(f[21]) * PAGE
            out[pid] = (self._roles[pid], int(f[11]) + int(f[12]), int(f[13]) + int(f[14]), rss)
        return out

    def run(self):
        self.host.append(host_busy())
        while not self._halt.is_set():
            self.samples.append((time.time(), self.snapshot()))
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join(10)
        self.samples.append((time.time(), self.snapshot()))
        self.host.append(host_busy())
        return self.figures()

    def figures(self):
        (t0, first), (t1, last) = self.samples[0], self.samples[-1]
        wall = max(t1 - t0, 1e-6)
        cpu = {}
        for pid, (r, own, kids, _) in last.items():
            b = first.get(pid, (r, 0, 0, 0))
            cpu[r] = cpu.get(r, 0) + (own - b[1]) / TICK
            if r == "hub":
                cpu["hub children"] = cpu.get("hub children", 0) + (kids - b[2]) / TICK
            else:
                cpu[r] += (kids - b[2]) / TICK
        # CPU of processes that were there at the start and ended unreaped
        # by a process still alive is lost; none do here (systemd reaps).
        total = [sum(own + kids for _, own, kids, _ in s.values()) for _, s in self.samples]
        peak_util, i = 0.0, 0
        for j in range(len(self.samples)):  # busiest ~1 s window
            while self.samples[j][0] - self.samples[i][0] > 1.0:
                i += 1
            dt = self.samples[j][0] - self.samples[i][0]
            if dt >= 0.5:
                peak_util = max(peak_util, (total[j] - total[i]) / TICK / dt)
        rss = [sum(x[3] for x in s.values()) for _, s in self.samples]
        hub_rss = [sum(x[3] for x in s.values() if x[0] == "hub") for _, s in self.samples]
        return {
            "wall": wall,
            "cpu_by_role": cpu,
            "cpu_total": (total[-1] - total[0]) / TICK,
            "cores_busy_mean": (total[-1] - total[0]) / TICK / wall,
            "cores_busy_peak": peak_util,
            "peak_rss": max(rss),
            "hub_peak_rss": max(hub_rss),
            "samples": len(self.samples),
            "host_busy": self.host[-1] - self.host[0],
        }


def host_cores():
    return len(re.findall(r"^processor\s*:", _read("/proc/cpuinfo"), re.M))
