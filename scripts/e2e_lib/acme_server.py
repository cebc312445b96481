"""A local ACME CA on the host for the Let's Encrypt scenarios: pebble, with
pebble-challtestsrv as its DNS server (Debian package `pebble`, installed
with apt-get when missing).

The container shares the host's network: pebble's validation connects to
127.0.0.1:80/443, where the container's Traefik listens, and Traefik reaches
pebble's ACME directory on 127.0.0.1. Only names given to `resolve` have an
A record (127.0.0.1); every other name has none (the "does not resolve" case).
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time

import requests

ACME_PORT, MGMT_PORT = 14000, 15000
DNS_PORT, DNS_MGMT_PORT = 18053, 18055
START_TIMEOUT = 30


class AcmeServerError(Exception):
    pass


def _free(port, kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def a_records(name):
    """How many A records challtestsrv answers for `name` (an OSError when it does not answer)."""
    query = b"\x68\x63\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.split("."):
        query += bytes([len(label)]) + label.encode()
    query += b"\x00\x00\x01\x00\x01"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(query, ("127.0.0.1", DNS_PORT))
        reply = s.recv(512)
    if len(reply) < 12 or reply[:2] != query[:2] or reply[2] & 0x80 == 0:
        raise OSError(f"not a DNS answer: {reply[:12]!r}")
    return int.from_bytes(reply[6:8], "big")


def _wait(what, pred, procs):
    deadline = time.time() + START_TIMEOUT
    last = None
    while time.time() < deadline:
        for p in procs:
            if p.proc.poll() is not None:
                raise AcmeServerError(f"{p.name} exited {p.proc.returncode} while waiting for {what}: {p.log_tail()}")
        try:
            if pred():
                return
        except (OSError, requests.RequestException) as e:
            last = e
        time.sleep(0.2)
    raise AcmeServerError(f"timed out after {START_TIMEOUT}s waiting for {what} (last error: {last})")


class _Proc:
    def __init__(self, name, args, work, env=None):
        self.name = name
        self.log = os.path.join(work, f"{name}.log")
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)

    def log_tail(self, n=15):
        try:
            with open(self.log, errors="replace") as f:
                return "\n      ".join(f.read().splitlines()[-n:])
        except OSError as e:
            return f"(no log: {e})"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def ensure_pebble():
    if shutil.which("pebble") and shutil.which("pebble-challtestsrv"):
        return
    p = subprocess.run(["apt-get", "install", "-y", "-q", "pebble"], capture_output=True, text=True)
    if p.returncode != 0 or not shutil.which("pebble"):
        raise AcmeServerError(f"apt-get install pebble failed ({p.returncode}): {p.stdout[-400:]}{p.stderr[-400:]}")


def _openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise AcmeServerError(f"openssl {' '.join(args[:2])} failed: {p.stderr[-400:]}")


class AcmeServer:
    """pebble + challtestsrv on the host; `stop()` ends both (also at exit)."""

    def __init__(self):
        ensure_pebble()
        for port in (ACME_PORT, MGMT_PORT, DNS_MGMT_PORT):
            if not _free(port):
                raise AcmeServerError(f"port {port} is in use on the host: pebble needs it")
        if not _free(DNS_PORT, socket.SOCK_DGRAM):
            raise AcmeServerError(f"udp port {DNS_PORT} is in use on the host: challtestsrv needs it")
        self.work = tempfile.mkdtemp(prefix="hubcfg-e2e-pebble.")
        self.procs = []
        self.pebble = None
        # The CA of pebble's own https certificate: what Traefik must trust.
        w = self.work
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=hubcfg e2e pebble CA",
                 "-keyout", "ca.key", "-out", "ca.pem", cwd=w)
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "pebble.key", "-out", "pebble.csr", cwd=w)
        with open(os.path.join(w, "ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        _openssl("x509", "-req", "-in", "pebble.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-days", "2", "-extfile", "ext", "-out", "pebble.pem", cwd=w)
        with open(os.path.join(w, "ca.pem")) as f:
            self.ca_pem = f.read()
        dns = _Proc("challtestsrv", ["pebble-challtestsrv", "-dns01", f"127.0.0.1:{DNS_PORT}", "-http01", "", "-https01", "",
                                     "-tlsalpn01", "", "-defaultIPv6", "", "-defaultIPv4", "",
                                     "-management", f"127.0.0.1:{DNS_MGMT_PORT}"], w)
        self.procs.append(dns)
        _wait("challtestsrv's DNS", lambda: a_records("probe.e2e.test") == 0, [dns])
        self.start_pebble()

    def start_pebble(self, http_port=80, tls_port=443):
        """(Re)starts pebble validating on these ports; waits for its directory."""
        if self.pebble:
            self.pebble.stop()
            self.procs.remove(self.pebble)
        conf = os.path.join(self.work, "pebble.json")
        with open(conf, "w") as f:
            f.write(
                '{"pebble": {"listenAddress": "127.0.0.1:%d", "managementListenAddress": "127.0.0.1:%d", '
                '"certificate": "%s/pebble.pem", "privateKey": "%s/pebble.key", "httpPort": %d, "tlsPort": %d, '
                '"ocspResponderURL": "", "externalAccountBindingRequired": false}}'
                % (ACME_PORT, MGMT_PORT, self.work, self.work, http_port, tls_port)
            )
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0", PEBBLE_AUTHZREUSE="0")
        self.pebble = _Proc("pebble", ["pebble", "-config", conf, "-dnsserver", f"127.0.0.1:{DNS_PORT}"], self.work, env)
        self.procs.append(self.pebble)
        ca = os.path.join(self.work, "ca.pem")
        _wait("pebble's ACME directory", lambda: requests.get(self.directory, verify=ca, timeout=2).status_code == 200, self.procs)
        _wait("pebble's root", lambda: requests.get(f"https://127.0.0.1:{MGMT_PORT}/roots/0", verify=ca, timeout=2).ok, self.procs)

    @property
    def directory(self):
        return f"https://127.0.0.1:{ACME_PORT}/dir"

    def root_pem(self):
        """The root pebble's issued certificates chain to (new at each start)."""
        r = requests.get(f"https://127.0.0.1:{MGMT_PORT}/roots/0", verify=os.path.join(self.work, "ca.pem"), timeout=10)
        r.raise_for_status()
        return r.text

    def resolve(self, name):
        """Gives `name` an A record: 127.0.0.1."""
        r = requests.post(f"http://127.0.0.1:{DNS_MGMT_PORT}/add-a", json={"host": name, "addresses": ["127.0.0.1"]}, timeout=10)
        r.raise_for_status()
        if a_records(name) != 1:
            raise AcmeServerError(f"challtestsrv did not add an A record for {name}")

    def logs(self):
        return "\n    ".join(f"{p.name} log:\n      {p.log_tail()}" for p in self.procs)

    def pebble_log(self):
        with open(self.pebble.log, errors="replace") as f:
            return f.read()

    def stop(self):
        for p in self.procs:
            p.stop()
        self.procs = []
        shutil.rmtree(self.work, ignore_errors=True)
