# NativeAuthenticator's users, set the way its admin page leaves them: a
# row of its own table (`users_info`, its orm.UserInfo) in the hub's
# database, with a bcrypt hash of the password and is_authorized true.
# Run with the hub environment's Python, which has nativeauthenticator.
# Input on stdin (never argv, so passwords stay out of `ps`):
#   {"db_url": URL, "users": [{"name": N, "password": P}, ...]}
# Names are lower-cased, as JupyterHub's default normalize_username does.
# Prints a JSON list of the names it created or whose password it changed
# (a user already authorized with that password is left alone).
# Exits 3, changing nothing, when the hub has not created its database yet:
# a database holding only users_info would make JupyterHub guess an old
# schema and refuse to start.
import json
import os
import sys

import bcrypt
from nativeauthenticator.orm import UserInfo
from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import sessionmaker

req = json.load(sys.stdin)
os.umask(0o077)
if not os.path.exists(req["db_path"]):
    sys.exit(3)
engine = create_engine(req["db_url"])
if "users" not in inspect(engine).get_table_names():
    sys.exit(3)
# The table NativeAuthenticator creates when the hub first starts with it.
UserInfo.__table__.create(engine, checkfirst=True)
db = sessionmaker(bind=engine)()
changed = []
for u in req["users"]:
    name = u["name"].lower()
    password = u["password"].encode()
    info = UserInfo.find(db, name)
    if info is None:
        hashed = bcrypt.hashpw(password, bcrypt.gensalt())
        db.add(UserInfo(username=name, password=hashed, is_authorized=True))
        changed.append(u["name"])
    elif not (info.is_authorized and info.is_valid_password(u["password"])):
        info.password = bcrypt.hashpw(password, bcrypt.gensalt())
        info.is_authorized = True
        changed.append(u["name"])
db.commit()
print(json.dumps(changed))
