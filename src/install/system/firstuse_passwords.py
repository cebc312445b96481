# Sets FirstUseAuthenticator passwords (bcrypt hashes in a Python dbm file,
# keyed by the UTF-8 hub user name, as firstuseauthenticator reads them).
# Input on stdin (never argv, so passwords stay out of `ps`):
#   {"dbm": PATH, "apply": bool, "users": [{"name": N, "password": P}, ...]}
# Prints the JSON list of names whose stored hash did not match (and, with
# "apply", were set). Users whose password already matches are left alone.
import dbm
import json
import os
import sys

import bcrypt

req = json.load(sys.stdin)
path = req["dbm"]
os.umask(0o077)


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
    stored = db.get(name.encode()) if db is not None else None
    if stored is None:
        return False
    try:
        return bcrypt.checkpw(password.encode(), stored)
    except ValueError:
        return False


changed = []
if req["apply"]:
    with dbm.open(path, "c", 0o600) as db:
        for u in req["users"]:
            if not matches(db, u["name"], u["password"]):
                db[u["name"].encode()] = bcrypt.hashpw(
                    u["password"].encode(), bcrypt.gensalt()
                )
                changed.append(u["name"])
    # Whatever files this dbm flavour uses, only root may read them.
    for suffix in ("", ".db", ".dir", ".dat", ".bak", ".pag"):
        if os.path.exists(path + suffix):
            os.chmod(path + suffix, 0o600)
else:
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

json.dump(changed, sys.stdout)
