"""`hubcfg status`: healthy (exit 0, every JSON field set) on the installed
hub, and a stopped Traefik named (exit 1) until it is started again."""

import json
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

from .core import CheckFailed, expect, scenario, tail, wait_for


def _status(c, *args):
    """(exit status, stdout, stderr, seconds) of `hubcfg status ARGS`."""
    t = time.time()
    p = c.hubcfg("status", *args, check=False)
    return p.returncode, p.stdout, p.stderr, time.time() - t


def _json(c):
    rc, out, err, _ = _status(c, "--json")
    try:
        return rc, json.loads(out)
    except ValueError as e:
        raise CheckFailed(f"`hubcfg status --json` printed no JSON ({e}): {tail(out + err)}")


def _show(title, text):
    print(f"    {title}:")
    for line in text.rstrip().splitlines():
        print(f"      {line}")


@scenario(core=True)
def status_healthy(c):
    rc, out, err, secs = _status(c)
    _show(f"hubcfg status ({secs:.2f}s, exit {rc})", out)
    expect(rc == 0, f"`hubcfg status` exited {rc} on a healthy hub: {tail(out + err)}")
    expect(out.rstrip().endswith("healthy"), f"the report does not end with 'healthy': {tail(out)}")
    rc, j = _json(c)
    expect(rc == 0 and j["healthy"] is True and j["problems"] == [], f"--json: exit {rc}, problems {j.get('problems')}")
    for unit in ("traefik", "jupyterhub"):
        s = j["services"][unit]
        expect(s["active_state"] == "active" and s["since"] and s["restarts"] is not None, f"services.{unit}: {s}")
    hub_version = c.get("/hub/api").json()["version"]
    expect(j["hub_api"]["ok"] and j["hub_api"]["version"] == hub_version, f"hub_api: {j['hub_api']} (the hub says {hub_version})")
    expect(j["traefik_api"]["ok"] and j["traefik_api"]["version"], f"traefik_api: {j['traefik_api']}")
    v = j["versions"]
    expect(v["jupyterhub"] == hub_version, f"versions.jupyterhub {v['jupyterhub']!r}, the hub says {hub_version}")
    for key in ("hubcfg", "traefik", "hub_python", "user_python"):
        expect(v[key], f"versions.{key} is not set: {v}")
    expect(j["traefik_api"]["version"] == v["traefik"], f"versions.traefik {v['traefik']!r}")
    expect(j["disk"]["free_bytes"] and j["memory"]["total_bytes"] and j["memory"]["available_bytes"], f"disk {j['disk']}, memory {j['memory']}")
    s = j["servers"]
    # bootstrap makes the hub token, so the count is known.
    expect(isinstance(s["running"], int), f"servers: {s}")
    expect(j["https"]["enabled"] is False, f"https: {j['https']}")
    secret = c.sh(f"cat {c.prefix}/state/traefik-api.secret").stdout.strip()
    expect(secret and secret not in out + json.dumps(j), "the Traefik API secret is in status's output")


@scenario(core=True)
def status_names_a_stopped_traefik(c):
    c.sh("systemctl stop traefik")
    try:
        rc, out, err, secs = _status(c)
        _show(f"hubcfg status with Traefik stopped ({secs:.2f}s, exit {rc})", out)
        expect(rc == 1, f"`hubcfg status` exited {rc} with Traefik stopped: {tail(out + err)}")
        expect("traefik.service is inactive" in out, f"the report does not name traefik.service: {tail(out)}")
        expect("journalctl -u traefik" in out and "hubcfg reload proxy" in out, f"no next step for Traefik: {tail(out)}")
        rc, j = _json(c)
        components = [p["component"] for p in j["problems"]]
        expect(rc == 1 and j["healthy"] is False and "traefik" in components, f"--json: exit {rc}, problems {j['problems']}")
        expect(j["services"]["traefik"]["active_state"] == "inactive", f"services.traefik: {j['services']['traefik']}")
        expect(not j["hub_api"]["ok"], f"hub_api is ok with Traefik stopped: {j['hub_api']}")
    finally:
        # jupyterhub.service Requires= traefik: the stop took the hub down too.
        c.sh("systemctl start traefik jupyterhub")
        wait_for(c.hub_api_ok, 60, "the hub to answer through Traefik again")
    rc, _, err, _ = _status(c)
    expect(rc == 0, f"`hubcfg status` exited {rc} after Traefik was started again: {tail(err)}")


@scenario()
def status_bench(c):
    """scripts/bench-status in this machine: prints median and range of 20
    runs (the target is under 1 s; a benchmark, so not asserted)."""
    bench = Path(__file__).resolve().parents[1] / "bench-status"
    p = subprocess.run(
        [str(bench), "--exec", shlex.join(c.exec_prefix), "-n", "20", "--bin", c.hubcfg_cmd],
        capture_output=True,
        text=True,
        timeout=600,
    )
    expect(p.returncode == 0, f"bench-status exited {p.returncode}: {tail(p.stdout + p.stderr)}")
    print(f"    {p.stdout.strip()}")
    expect("exit status 0" in p.stdout, f"some runs were not healthy: {p.stdout.strip()}")


@scenario()
def status_reads_the_https_certificate(c):
    """With https on and a certificate of our own (https.tls.*), status
    reads the one real Traefik serves on 443: subject, not the default."""
    d = f"{c.prefix}/config/e2e-tls"
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
             "-subj", "/CN=e2e.hub.test", "-addext", "subjectAltName=DNS:e2e.hub.test", "-days", "30"],
            cwd=tmp, check=True, capture_output=True,
        )
        crt, key = (Path(tmp, n).read_text() for n in ("c.pem", "k.pem"))
    c.sh(f"mkdir -p {d} && umask 077 && cat > {d}/c.pem <<'EOF'\n{crt}EOF\ncat > {d}/k.pem <<'EOF'\n{key}EOF")
    try:
        c.hubcfg("set", "https.tls.cert", f"{d}/c.pem")
        c.hubcfg("set", "https.tls.key", f"{d}/k.pem")
        c.hubcfg("set", "https.enabled", "true")
        c.reload("proxy")
        rc, out, err, secs = _status(c)
        _show(f"hubcfg status with https ({secs:.2f}s, exit {rc})", out)
        rc, j = _json(c)
        h = j["https"]
        expect(rc == 0 and j["healthy"], f"exit {rc}, problems {j['problems']}")
        cert = h["certificate"] or {}
        expect(h["enabled"] and h["source"] == "manual", f"https: {h}")
        expect(cert.get("subject") == "CN=e2e.hub.test" and cert.get("traefik_default") is False, f"certificate: {cert}")
        expect(cert.get("days_left") in (29, 30) and cert.get("names") == ["e2e.hub.test"], f"certificate: {cert}")
        expect(j["hub_api"]["ok"] and j["hub_api"]["url"].startswith("https://"), f"hub_api: {j['hub_api']}")
    finally:
        for key in ("https.enabled", "https.tls.cert", "https.tls.key"):
            c.hubcfg("unset", key, check=False)
        c.reload("proxy")
        c.sh(f"rm -rf {d}")
        wait_for(c.hub_api_ok, 60, "the hub to answer on http again")
