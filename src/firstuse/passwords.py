# FirstUseAuthenticator's password store: bcrypt hashes in a Python dbm
# file, keyed by the UTF-8 hub user name as the hub sees it after
# JupyterHub's default normalization (lower-cased), which is the key
# firstuseauthenticator looks up at login.
# Input on stdin (never argv, so passwords stay out of `ps`):
#   {"dbm": PATH, "op": "check" | "set" | "remove",
#    "users": [{"name": N, "password": P}, ...],   (check, set)
#    "names": [N, ...]}                            (remove)
# Prints a JSON list of names: for check, those whose stored hash does not
# match the password given; for set, those it changed (a password that
# already matches is left alone); for remove, those it had a password for.
import dbm
import json
import os
import sys

import bcrypt

req = json.load(sys.stdin)
path = req["dbm"]
op = req["op"]
os.umask(0o077)
SUFFIXES = ("", ".db", ".dir", ".dat", ".bak", ".pag")


def key(name):
    return name.lower().encode()


class SqliteReader:
    """Reads Python 3.13's dbm.sqlite3 file (Debian 13's default dbm) as an
    immutable database: a plain read-only open of that WAL-mode file leaves
    -wal and -shm files behind, so a re-run that changes nothing would still
    write to state/. (Content still in a WAL reads as a mismatch: then the
    apply step sets the same password again.)"""

    def __init__(self, path):
        import sqlite3
        import urllib.parse

        uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro&immutable=1"
        self.cx = sqlite3.connect(uri, uri=True)

    def get(self, key):
        row = self.cx.execute("SELECT value FROM Dict WHERE key = CAST(? AS BLOB)", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    def close(self):
        self.cx.close()


def open_readonly(path):
    if dbm.whichdb(path) == "dbm.sqlite3":
        return SqliteReader(path)
    return dbm.open(path, "r")


def matches(db, name, password):
    stored = db.get(key(name)) if db is not None else None
    if stored is None:
        return False
    try:
        return bcrypt.checkpw(password.encode(), stored)
    except ValueError:
        return False


def restrict():
    # Whatever files this dbm flavour uses, only root may read them.
    for suffix in SUFFIXES:
        if os.path.exists(path + suffix):
            os.chmod(path + suffix, 0o600)


changed = []
if op == "set":
    with dbm.open(path, "c", 0o600) as db:
        for u in req["users"]:
            if not matches(db, u["name"], u["password"]):
                db[key(u["name"])] = bcrypt.hashpw(u["password"].encode(), bcrypt.gensalt())
                changed.append(u["name"])
    restrict()
elif op == "remove":
    if dbm.whichdb(path) is not None:
        with dbm.open(path, "w", 0o600) as db:
            for name in req["names"]:
                found = False
                # An entry under the name as typed (not normalized) goes too.
                for k in dict.fromkeys([key(name), name.encode()]):
                    if k in db:
                        del db[k]
                        found = True
                if found:
                    changed.append(name)
        restrict()
elif op == "check":
    try:
        db = open_readonly(path)
    except dbm.error:
        db = None
    try:
        for u in req["users"]:
            if not matches(db, u["name"], u["password"]):
                changed.append(u["name"])
    finally:
        if db is not None:
            db.close()
else:
    sys.exit("unknown op " + repr(op))

json.dump(changed, sys.stdout)
