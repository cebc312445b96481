"""The glue's FirstUse subclass (HubcfgFirstUseAuthenticator): same rules as
FirstUseAuthenticator, with bcrypt off the event loop. Used by check_glue.py."""

import asyncio
import dbm
import os
import types

import bcrypt
from jupyterhub.app import JupyterHub


async def timed_by_ticks(coro, ticks):
    """Runs `coro`; returns its result and how often the loop ran a ticker
    meanwhile. An authenticate that blocks the loop lets it run 0 times."""
    before = ticks[0]
    result = await coro
    return result, ticks[0] - before


def check_first_use(config, tmp, check):
    cls = JupyterHub(config=config).authenticator_class
    name = getattr(cls, "__name__", str(cls))
    if "FirstUse" not in name:
        return  # another authenticator is configured
    check(name == "HubcfgFirstUseAuthenticator", f"FirstUse is the glue's subclass, not {name}")
    auth = cls(config=config)
    auth.dbm_path = os.path.join(tmp, "passwords.dbm")
    auth.create_users = True
    auth.min_password_length = 7

    async def scenario():
        ticks = [0]
        done = asyncio.Event()

        async def ticker():
            while not done.is_set():
                ticks[0] += 1
                await asyncio.sleep(0)

        tick_task = asyncio.create_task(ticker())
        short = types.SimpleNamespace()
        r = await auth.authenticate(short, {"username": "Ann", "password": "short"})
        check(r is None and "at least 7" in getattr(short, "custom_login_error", ""), f"a short first password is refused with FirstUse's message ({r!r})")
        first, during = await timed_by_ticks(
            auth.authenticate(types.SimpleNamespace(), {"username": "Ann", "password": "ann-secret"}), ticks
        )
        check(first == "ann", f"a first login sets the password ({first!r})")
        check(during > 0, "the event loop kept running while a new password was hashed")
        both = await asyncio.gather(
            auth.authenticate(types.SimpleNamespace(), {"username": "bob", "password": "bob-secret"}),
            auth.authenticate(types.SimpleNamespace(), {"username": "cy", "password": "cy-secret"}),
        )
        check(both == ["bob", "cy"], f"two first logins at once both set their passwords ({both!r})")
        wrong = await auth.authenticate(types.SimpleNamespace(), {"username": "ann", "password": "bob-secret"})
        check(wrong is None, f"a wrong password is refused ({wrong!r})")
        right, during = await timed_by_ticks(
            auth.authenticate(types.SimpleNamespace(), {"username": "ann", "password": "ann-secret"}), ticks
        )
        check(right == "ann", f"the right password logs in ({right!r})")
        check(during > 0, "the event loop kept running while a password was checked")
        done.set()
        await tick_task

    asyncio.run(scenario())
    with dbm.open(auth.dbm_path, "r") as db:
        stored = db[b"ann"]
    check(bcrypt.checkpw(b"ann-secret", stored), "the store holds a bcrypt hash FirstUse itself would accept")
    auth.reset_password("ann", "new-secret")
    with dbm.open(auth.dbm_path, "r") as db:
        check(bcrypt.checkpw(b"new-secret", db[b"ann"]), "FirstUse's reset_password still works on the store")
