"""`hubcfg uninstall --purge-users --purge-packages --yes` puts the machine
back as it was before the install: scripts/e2e snapshots it with snapshot.sh
right before the curl line (E2E_PRE_SNAPSHOT); after the uninstall the same
snapshot must match, except what ALLOWED lists and explains. It removes the
hub, so this module runs last (runner.MODULES)."""

import collections
import json
import os
import re
from pathlib import Path

from .core import CheckFailed, expect, scenario, tail

SNAPSHOT = (Path(__file__).parent / "snapshot.sh").read_text()
# A copy of the binary outside every snapshotted tree: uninstall removes the
# installed one, and the second uninstall needs one to run.
COPY = "/root/hubcfg-uninstall-copy"

# (section, pattern on the item): a difference the uninstall cannot or
# should not undo. Each entry says why; anything else fails the check.
ALLOWED = [
    # shadow-utils keep the previous version of each account file as FILE-
    # when useradd/groupadd/userdel/groupdel write it: a backup, not state.
    ("etc", r"^[-+] f \d+ \S+ /etc/(passwd|group|shadow|gshadow|subuid|subgid)- "),
    ("etc-sha256", r"^[-+] /etc/(passwd|group|shadow|gshadow|subuid|subgid)- "),
    # The account files themselves are compared entry by entry instead (the
    # passwd, group, shadow and gshadow sections), where a scenario's own
    # group below can be told from anything hubcfg left.
    ("etc-sha256", r"^[-+] /etc/(passwd|group|shadow|gshadow) "),
    # The lock file shadow-utils take on the account files; empty.
    ("etc", r"^\+ f 600 root:root /etc/\.pwd\.lock -> $"),
    ("etc-sha256", r"^\+ /etc/\.pwd\.lock e3b0c442"),
    # Made by the scenarios themselves, not by hubcfg: config_checks.py's
    # certificates and its `groupadd e2e-group`, letsencrypt_checks.py's CA.
    ("etc", r"^\+ . \d+ \S+ /etc/hubcfg-e2e-(tls|acme)(/| )"),
    ("etc-sha256", r"^\+ /etc/hubcfg-e2e-(tls|acme)/"),
    ("group", r"^\+ e2e-group:x:\d+:$"),
    ("gshadow", r"^\+ e2e-group:$"),
    # The harness's own CA setup (prepare.sh, carry_pip_config): before the
    # install it puts this workplace's CA bundle at the path ca-certificates
    # owns and the CAs in /usr/local/share/ca-certificates, so the container
    # reaches the package index. ca-certificates, installed by hubcfg, takes
    # the bundle's path over, and its purge deletes the bundle and keeps the
    # links update-ca-certificates made for the local CAs (an admin's). A
    # real machine has no such bundle without the package.
    ("etc", r"^- f 644 root:root /etc/ssl/certs/ca-certificates\.crt -> $"),
    ("etc-sha256", r"^- /etc/ssl/certs/ca-certificates\.crt "),
    ("etc", r"^\+ l 777 root:root /etc/ssl/certs/[^/ ]+\.pem -> /usr/local/share/ca-certificates/[^/ ]+\.crt$"),
    ("etc", r"^\+ l 777 root:root /etc/ssl/certs/[0-9a-f]{8}\.\d -> [^/ ]+\.pem$"),
]


def read_snapshot(text):
    items = set()
    for line in text.splitlines():
        section, _, item = line.partition("\t")
        if item:
            items.add((section, item))
    return items


def differences(before, after):
    """(section, '- item' | '+ item'), sorted: gone since, and new since."""
    out = [(s, f"- {i}") for s, i in before - after] + [(s, f"+ {i}") for s, i in after - before]
    return sorted(out, key=lambda d: (d[0], d[1][2:], d[1][0]))


def allowed(diff):
    section, item = diff
    return any(section == s and re.search(p, item) for s, p in ALLOWED)


@scenario()
def uninstall_restores_machine(c):
    pre = os.environ.get("E2E_PRE_SNAPSHOT", "")
    if not pre or not os.path.isfile(pre):
        raise CheckFailed("E2E_PRE_SNAPSHOT is not set: scripts/e2e snapshots the machine before the install")
    before = read_snapshot(Path(pre).read_text())
    # A hub user's account (earlier scenarios' spawns make more), as the spawner makes it.
    c.hubcfg("ensure-user", "e2e-uninstall")
    journal = [json.loads(l) for l in c.sh(f"cat {c.prefix}/state/journal.jsonl").stdout.splitlines()]
    kinds = collections.Counter(e["kind"] for e in journal)
    print(f"    journal: {dict(sorted(kinds.items()))}")
    for kind in ("package_installed", "group_created", "file", "link", "unit_enabled", "user_created"):
        expect(kinds[kind] > 0, f"the journal has no {kind} entry: {dict(kinds)}")
    c.sh(f"cp {c.prefix}/bin/hubcfg {COPY}")
    p = c.sh(f"{COPY} uninstall --purge-users --purge-packages --yes", check=False, timeout=900)
    out = p.stdout + p.stderr
    expect(p.returncode == 0, f"uninstall exited {p.returncode}: {tail(out, 30)}")
    print("    " + "\n    ".join(out.splitlines()))
    after = read_snapshot(c.sh(SNAPSHOT).stdout)
    diffs = differences(before, after)
    left = [f"{s}: {i}" for s, i in diffs if not allowed((s, i))]
    print(f"    {len(diffs)} differences from the machine before the install, {len(diffs) - len(left)} explained")
    expect(not left, f"{len(left)} unexplained differences after uninstall:\n      " + "\n      ".join(left[:40]))
    expect(not c.sh(f"test -e {c.prefix}", check=False).returncode == 0, f"{c.prefix} is still there")
    again = c.sh(f"{COPY} uninstall --purge-users --purge-packages --yes", check=False)
    c.sh(f"rm -f {COPY}")
    expect(again.returncode == 0, f"the second uninstall exited {again.returncode}: {tail(again.stdout + again.stderr)}")
    expect(again.stdout.startswith("nothing to do"), f"the second uninstall did something: {tail(again.stdout)}")
    print(f"    second run: {again.stdout.strip()}")
