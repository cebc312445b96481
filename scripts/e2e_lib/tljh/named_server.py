"""Adds a stopped named server for a user straight into the hub database
(jupyterhub.orm), as a server made and stopped earlier leaves it. Run by
the hub's Python in state/ with the hub stopped; request on stdin as JSON
{"user": NAME, "server": NAME}, reply {"ok": true}."""

import json
import sys

from jupyterhub import orm

req = json.load(sys.stdin)
db = orm.new_session_factory("sqlite:///jupyterhub.sqlite")()
user = db.query(orm.User).filter_by(name=req["user"]).one()
if not any(s.name == req["server"] for s in user._orm_spawners):
    db.add(orm.Spawner(user=user, name=req["server"]))
    db.commit()
print(json.dumps({"ok": True}))
