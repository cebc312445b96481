"""Let's Encrypt end to end, against pebble on the host (acme_server.py):
`reload proxy` gets a certificate with tls-alpn-01 and with http-01 and says
so; a name that does not resolve, port 80 closed for http-01, and an email
the CA refuses make it exit non-zero with the cause in plain words. The last
scenario checks that https is off again, so later scenarios see the default
state, and stops pebble.
Each scenario starts from an empty acme.json (a new ACME account) and turns
https off again when it ends."""

import atexit
import contextlib
import socket
import ssl
import tempfile

from .acme_server import AcmeServer, AcmeServerError
from .core import CheckFailed, expect, scenario, tail, wait_for

CA_DIR = "/etc/hubcfg-e2e-acme"
EMAIL = "e2e-admin@example.org"
CLOSED_PORT = 18444
LE_KEYS = ("https.enabled", "https.letsencrypt.email", "https.letsencrypt.domains", "https.letsencrypt.challenge",
           "https.letsencrypt.ca_server", "https.letsencrypt.ca_bundle", "http.port")


def _acme(c):
    """The host's pebble, started once; stopped by letsencrypt_off_again or at exit."""
    if "acme" not in c.state:
        try:
            acme = AcmeServer()
        except AcmeServerError as e:
            raise CheckFailed(f"could not start pebble on the host: {e}")
        atexit.register(acme.stop)
        c.sh(f"mkdir -p {CA_DIR} && cat > {CA_DIR}/pebble-ca.pem <<'EOF'\n{acme.ca_pem}EOF\n")
        c.state["acme"] = acme
    return c.state["acme"]


def _https_off(c):
    for key in LE_KEYS:
        c.hubcfg("unset", key, check=False)
    c.sh(f"rm -f {c.prefix}/state/acme.json")
    c.reload("proxy")
    wait_for(c.hub_api_ok, 60, "http /hub/api after https is off again")


@contextlib.contextmanager
def _letsencrypt(c, domains, challenge=None, email=EMAIL, extra=()):
    """Let's Encrypt on for `domains` against pebble, from an empty acme.json;
    yields `reload proxy`'s process; https is off again afterwards, even on failure
    (the runner takes a hub that does not answer on http for a dead one)."""
    acme = _acme(c)
    for key in LE_KEYS:
        c.hubcfg("unset", key, check=False)
    c.sh(f"rm -f {c.prefix}/state/acme.json")
    settings = [("https.enabled", "true"), ("https.letsencrypt.email", email),
                ("https.letsencrypt.ca_server", acme.directory),
                ("https.letsencrypt.ca_bundle", f"{CA_DIR}/pebble-ca.pem")]
    if challenge:
        settings.append(("https.letsencrypt.challenge", challenge))
    for key, value in settings + list(extra):
        c.hubcfg("set", key, value)
    for d in domains:
        c.hubcfg("add-item", "https.letsencrypt.domains", d)
    try:
        yield c.hubcfg("reload", "proxy", check=False, timeout=400)
    except BaseException:
        with contextlib.suppress(CheckFailed):  # the scenario's own failure comes first
            _https_off(c)
        raise
    _https_off(c)


def _served(domain, root_pem):
    """The certificate 127.0.0.1:443 serves for `domain`, verified against pebble's
    root and the name, and the status of GET /hub/api over that connection."""
    with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
        f.write(root_pem)
        f.flush()
        ctx = ssl.create_default_context(cafile=f.name)
    with socket.create_connection(("127.0.0.1", 443), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=domain) as tls:
            cert = tls.getpeercert()
            tls.sendall(f"GET /hub/api HTTP/1.1\r\nHost: {domain}\r\nConnection: close\r\n\r\n".encode())
            status = tls.recv(64).decode(errors="replace").split("\r\n")[0]
    return cert, status


def _expect_obtained(c, p, domain):
    acme = c.state["acme"]
    out = p.stdout + p.stderr
    expect(p.returncode == 0, f"reload proxy exited {p.returncode}: {tail(out, 8)}\n    {acme.logs()}")
    line = next((x for x in out.splitlines() if x.startswith("Let's Encrypt:")), "")
    expect(f"certificate for {domain} obtained" in line, f"reload proxy did not say it got one: {tail(out, 8)}")
    print(f"    {line}")
    try:
        cert, status = _served(domain, acme.root_pem())
    except (OSError, ssl.SSLError) as e:
        raise CheckFailed(f"443 does not serve a certificate for {domain} chaining to pebble's root: {e}")
    names = [v for kind, v in cert.get("subjectAltName", ()) if kind == "DNS"]
    expect(domain in names, f"the served certificate names {names}, not {domain}")
    expect(" 200 " in status + " ", f"GET https://{domain}/hub/api answered {status!r}")


def _expect_refused(c, p, words):
    out = p.stdout + p.stderr
    line = next((x for x in out.splitlines() if "Let's Encrypt: no certificate" in x), "")
    expect(p.returncode != 0, f"reload proxy exited 0 without a certificate: {tail(out, 8)}")
    expect(all(w in line for w in words), f"expected {words} in the diagnosis, got: {tail(out, 8)}\n    {c.state['acme'].logs()}")
    print(f"    {line.strip()}")


@scenario()
def letsencrypt_tls_alpn_01(c):
    acme = _acme(c)
    for d in ("hub.e2e.test", "www.hub.e2e.test"):
        acme.resolve(d)
    with _letsencrypt(c, ["hub.e2e.test", "www.hub.e2e.test"]) as p:
        _expect_obtained(c, p, "hub.e2e.test")
        _served("www.hub.e2e.test", acme.root_pem())


@scenario()
def letsencrypt_http_01(c):
    acme = _acme(c)
    acme.resolve("http.e2e.test")
    with _letsencrypt(c, ["http.e2e.test"], challenge="http-01") as p:
        _expect_obtained(c, p, "http.e2e.test")
        # Checked over port 80 through the http→https redirect's entrypoint.
        expect("validate w/ HTTP: http://http.e2e.test:80/.well-known/acme-challenge/" in acme.pebble_log(),
               "pebble did not validate http.e2e.test over http-01 on port 80")
        r = c.get("/hub/api", allow_redirects=False, timeout=10)
        expect(r.status_code in (301, 302, 307, 308), f"http /hub/api answered {r.status_code}, not a redirect to https")


@scenario()
def letsencrypt_domain_does_not_resolve(c):
    _acme(c)
    with _letsencrypt(c, ["nx.e2e.test"]) as p:
        _expect_refused(c, p, ["nx.e2e.test does not resolve to this machine", "DNS A record"])


@scenario()
def letsencrypt_port_80_closed(c):
    acme = _acme(c)
    acme.resolve("closed.e2e.test")
    # Traefik's http entrypoint moves to 18080: nothing answers pebble on 80.
    with _letsencrypt(c, ["closed.e2e.test"], challenge="http-01", extra=[("http.port", "18080")]) as p:
        _expect_refused(c, p, ["could not reach this machine on port 80", "https.letsencrypt.challenge tls-alpn-01"])


@scenario()
def letsencrypt_port_443_unreachable(c):
    acme = _acme(c)
    acme.resolve("alpn.e2e.test")
    # pebble checks tls-alpn-01 on a closed port, as if 443 were firewalled.
    acme.start_pebble(tls_port=CLOSED_PORT)
    try:
        with _letsencrypt(c, ["alpn.e2e.test"]) as p:
            _expect_refused(c, p, ["could not reach this machine on port 443", "https.letsencrypt.challenge http-01"])
    finally:
        acme.start_pebble()


@scenario()
def letsencrypt_bad_email(c):
    acme = _acme(c)
    acme.resolve("mail.e2e.test")
    # pebble accepts any address that parses (example.com too), not a comma.
    with _letsencrypt(c, ["mail.e2e.test"], email="e2e,admin@example.org") as p:
        _expect_refused(c, p, ["the CA refused https.letsencrypt.email", "hubcfg set https.letsencrypt.email"])


@scenario()
def letsencrypt_off_again(c):
    """The default state for later scenarios: https off, no CA bundle, pebble stopped."""
    try:
        _https_off(c)
        c.sh(f"rm -rf {CA_DIR}")
        env = c.sh(f"cat {c.prefix}/state/traefik.env").stdout
        expect("LEGO_CA_CERTIFICATES" not in env, f"state/traefik.env still names a CA bundle: {env}")
        shown = c.hubcfg("show", "https.enabled", check=False)
        expect(shown.returncode != 0, f"https.enabled is still set: {shown.stdout.strip()}")
    finally:
        acme = c.state.pop("acme", None)
        if acme:
            acme.stop()
