# The hub's database, copied while the hub may be writing to it, through
# SQLite's online backup API: the copy is one consistent snapshot, never a
# half-written file. Also lists the hub's users from that copy.
# Input on stdin: {"src": PATH, "dst": PATH}
# Prints: {"users": [{"name": N, "admin": bool}, ...]}
import json
import os
import sqlite3
import sys
import urllib.parse

req = json.load(sys.stdin)
os.umask(0o077)
src_uri = "file:" + urllib.parse.quote(os.path.abspath(req["src"])) + "?mode=ro"
src = sqlite3.connect(src_uri, uri=True, timeout=30)
dst = sqlite3.connect(req["dst"])
with dst:
    src.backup(dst)
src.close()
users = []
try:
    for name, admin in dst.execute("SELECT name, admin FROM users ORDER BY name"):
        users.append({"name": name, "admin": bool(admin)})
except sqlite3.OperationalError:
    pass  # a database without JupyterHub's tables: nothing to list
dst.close()
os.chmod(req["dst"], 0o600)
json.dump({"users": users}, sys.stdout)
