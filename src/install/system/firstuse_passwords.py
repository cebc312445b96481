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
        db = dbm.open(path, "r")
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
