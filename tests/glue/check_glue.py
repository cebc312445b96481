"""Checks assets/jupyterhub_config.py against the real JupyterHub packages.

Usage: python check_glue.py GLUE_PY HUB_CONFIG_JSON

Run it with the python of a venv holding the hub packages (jupyterhub,
jupyterhub-systemdspawner, jupyterhub-firstuseauthenticator,
jupyterhub-traefik-proxy, jupyterhub-idle-culler). HUB_CONFIG_JSON is a file
written by `hubcfg render`. The glue is loaded the way `jupyterhub -f` loads
it; then every class the JSON configures is instantiated and every trait is
checked to exist, be configurable, and hold the rendered value after
traitlets' own validation. The spawner subclass is exercised against a fake
`hubcfg ensure-user`, including every account name of the shared table
tests/fixtures/user_names.json. Exit status 0 means every check passed.
"""

import asyncio
import json
import os
import socket
import sys
import tempfile
import types
import warnings

warnings.simplefilter("ignore")

from check_first_use import check_first_use  # noqa: E402
from jupyterhub.app import JupyterHub  # noqa: E402
from systemdspawner import SystemdSpawner  # noqa: E402

FAILURES = []


def check(ok, what):
    print(("ok:   " if ok else "FAIL: ") + what)
    if not ok:
        FAILURES.append(what)


def load_glue(glue_py, hub_json):
    os.environ["HUBCFG_HUB_CONFIG"] = hub_json
    app = JupyterHub()
    app.load_config_file(glue_py)
    return app.config


def fake_user(name, admin):
    return types.SimpleNamespace(
        name=name, id=1, admin=admin, url=f"/user/{name}/", server=None, state={}
    )


def instances(config):
    """One live object per configurable the hub would create."""
    hub = JupyterHub(config=config)
    objs = [hub, hub.authenticator_class(config=config)]
    from firstuseauthenticator import FirstUseAuthenticator

    if not isinstance(objs[1], FirstUseAuthenticator):
        objs.append(FirstUseAuthenticator(config=config))

    async def make_proxy():
        proxy = hub.proxy_class(config=config)
        # should_start=False schedules a connection to Traefik; not wanted here.
        if proxy._start_future is not None:
            proxy._start_future.cancel()
        return proxy

    objs.append(asyncio.run(make_proxy()))
    objs.append(hub.spawner_class(user=fake_user("alice", False), config=config))
    return hub, objs


def check_traits(config, rendered):
    hub, objs = instances(config)
    check(
        hub.spawner_class.__name__ == "HubcfgSpawner", "spawner_class is HubcfgSpawner"
    )
    for cls_name, traits in rendered["traits"].items():
        owners = [o for o in objs if cls_name in {c.__name__ for c in type(o).mro()}]
        if not owners:
            print(
                f"note: no {cls_name} is in use with this config; "
                "its traits are not checked"
            )
            continue
        obj = owners[0]
        configurable = obj.traits(config=True)
        for name, expected in traits.items():
            if expected is None:
                continue
            where = f"{cls_name}.{name}"
            trait = configurable.get(name)
            check(
                trait is not None,
                f"{where} is a configurable trait of {type(obj).__name__}",
            )
            if trait is None:
                continue
            try:
                want = trait._validate(obj, expected)
            except Exception as e:  # traitlets refuses the rendered value
                check(False, f"{where} = {expected!r} is accepted ({e})")
                continue
            got = getattr(obj, name)
            if where == "JupyterHub.authenticator_class" and got.__name__ == "HubcfgFirstUseAuthenticator":
                # the glue's FirstUse subclass (check_first_use.py)
                check(issubclass(got, want), f"{where}: {got.__name__} is a {want.__name__}")
                continue
            check(got == want, f"{where} == {want!r} (got {got!r})")


# A port that accepts connections: what the fake SystemdSpawner.start
# returns, so the glue's ready check passes at once.
LISTENING = socket.create_server(("127.0.0.1", 0))
PORT = LISTENING.getsockname()[1]


def fake_hubcfg(directory, body):
    path = os.path.join(directory, "hubcfg")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755)
    return path


def check_spawner(config, tmp):
    hub = JupyterHub(config=config)
    cls = hub.spawner_class
    argv_log = os.path.join(tmp, "argv")
    marker = os.path.join(tmp, "pwned")
    ok_script = fake_hubcfg(
        tmp,
        f'for a in "$@"; do printf "%s\\n" "$a"; done > {argv_log}\n'
        'echo "creating account" >&2\n'
        "echo jupyter-mapped",
    )

    calls = []

    async def fake_super_start(self):
        calls.append((self.username_template, self.unit_name, self.disable_user_sudo))
        return ("127.0.0.1", PORT)

    original = SystemdSpawner.start
    SystemdSpawner.start = fake_super_start
    try:
        tricky = "--admin; touch " + marker + " $(touch " + marker + ")"
        sp = cls(user=fake_user(tricky, True), config=config)
        sp.hubcfg_bin = ok_script
        sp.extra_user_groups = {"docker": [tricky], "other": ["bob"], "data": [tricky]}
        result = asyncio.run(sp.start())
        with open(argv_log) as f:
            argv = f.read().splitlines()
        check(
            argv
            == [
                "--prefix",
                sp.hubcfg_prefix,
                "ensure-user",
                "--admin",
                "--group",
                "data",
                "--group",
                "docker",
                "--",
                tricky,
            ],
            f"ensure-user argv for an admin with groups and a hostile name: {argv!r}",
        )
        check(not os.path.exists(marker), "the hub user name never reaches a shell")
        check(
            result == ("127.0.0.1", PORT),
            "start() returns SystemdSpawner.start's result",
        )
        check(
            calls == [("jupyter-mapped", "jupyter-mapped", False)],
            f"admin runs as the mapped unix name with sudo allowed: {calls!r}",
        )
        asyncio.run(sp.start())  # a second start adds nothing twice
        check(
            sp.args.count("--KernelManager.transport=ipc") == 1
            and sp.environment.get("JUPYTER_RUNTIME_DIR") == "/run/jupyter-mapped/jupyter",
            f"kernels on unix sockets in the unit's runtime directory: {sp.args!r} {sp.environment!r}",
        )

        calls.clear()
        sp = cls(user=fake_user("bob", False), config=config)
        sp.hubcfg_bin = ok_script
        asyncio.run(sp.start())
        with open(argv_log) as f:
            argv = f.read().splitlines()
        check("--admin" not in argv[:-1], "non-admin gets no --admin")
        check(
            calls == [("jupyter-mapped", "jupyter-mapped", True)],
            f"non-admin has sudo disabled: {calls!r}",
        )

        calls.clear()
        for body, expect in [
            ('echo "useradd: bad name" >&2; exit 3', "exit 3"),
            ("echo 'jupyter-{USERNAME}'", "not a unix user name"),
            ("true", "not a unix user name"),
        ]:
            sp = cls(user=fake_user("carol", False), config=config)
            sp.hubcfg_bin = fake_hubcfg(tmp, body)
            try:
                asyncio.run(sp.start())
                check(False, f"ensure-user output {body!r} is refused")
            except RuntimeError as e:
                check(
                    expect in str(e) and "carol" in str(e),
                    f"ensure-user {body!r} -> {e}",
                )
        check(
            len(calls) == 0,
            "SystemdSpawner.start is not reached after a failed ensure-user",
        )
    finally:
        SystemdSpawner.start = original


def check_ready_wait(config):
    """start() returns once the port accepts connections, or when the unit
    stopped; with ready_check_interval 0 at once."""
    cls = JupyterHub(config=config).spawner_class
    check(cls(user=fake_user("x", False), config=config).ready_check_interval > 0, "the ready check is on")
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    sp = cls(user=fake_user("dave", False), config=config)
    polls = []

    async def poll():
        polls.append(1)
        return None if len(polls) < 2 else 1  # running, then stopped

    async def later_listening():
        await asyncio.sleep(0.5)
        return socket.create_server(("127.0.0.1", port))

    async def run():
        sp.poll = poll
        listen = asyncio.ensure_future(later_listening())
        t = asyncio.get_running_loop().time()
        await sp.wait_until_listening("127.0.0.1", port)
        waited = asyncio.get_running_loop().time() - t
        (await listen).close()
        check(0.4 < waited < 2 and not polls, f"waited until the port listened ({waited:.2f}s, polls {len(polls)})")
        polls.clear()
        t = asyncio.get_running_loop().time()
        await sp.wait_until_listening("127.0.0.1", port)  # never listens; the unit stops
        waited = asyncio.get_running_loop().time() - t
        check(len(polls) == 2 and waited < 6, f"gave up when the unit stopped ({waited:.1f}s, polls {len(polls)})")

    asyncio.run(run())


def load_glue_module(glue_py):
    """The glue as a plain module, for its helpers."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hubcfg_glue", glue_py)
    glue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(glue)
    return glue


NAMES_JSON = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "user_names.json"
)


def check_account_names(glue_py, config, tmp):
    """The shared name table (tests/fixtures/user_names.json, also read by the
    Rust tests): every account hubcfg can answer with is accepted, by the
    glue's rule and by the spawner, and every refused name is refused."""
    with open(NAMES_JSON, encoding="utf-8") as f:
        table = json.load(f)
    accepted = list(table["accepted"])
    refused = list(table["refused"])
    for n in table["names"]:
        accepted.append(n["account"])
        (accepted if n["reused"] else refused).append(n["tljh"])
    glue = load_glue_module(glue_py)
    for name in accepted:
        ok = glue.UNIX_NAME.fullmatch(name) is not None
        check(ok, f"UNIX_NAME accepts account name {name!r}")
    for name in refused:
        ok = glue.UNIX_NAME.fullmatch(name) is None
        check(ok, f"UNIX_NAME refuses {name!r}")

    cls = JupyterHub(config=config).spawner_class
    calls = []

    async def fake_super_start(self):
        calls.append((self.username_template, self.unit_name))
        return ("127.0.0.1", PORT)

    answer = os.path.join(tmp, "answer")
    script = fake_hubcfg(tmp, f"cat '{answer}'")
    original = SystemdSpawner.start
    SystemdSpawner.start = fake_super_start
    try:
        for name, ok in [(a, True) for a in accepted] + [(r, False) for r in refused]:
            # Exactly what `hubcfg ensure-user` prints: the name and a newline.
            with open(answer, "wb") as f:
                f.write(name.encode("utf-8", "surrogateescape") + b"\n")
            calls.clear()
            sp = cls(user=fake_user("someone", False), config=config)
            sp.hubcfg_bin = script
            try:
                asyncio.run(sp.start())
                error = None
            except RuntimeError as e:
                error = e
            if ok:
                check(
                    error is None and calls == [(name, name)],
                    f"spawner runs as ensure-user answer {name!r} ({error or calls!r})",
                )
            else:
                check(
                    error is not None
                    and "not a unix user name" in str(error)
                    and not calls,
                    f"spawner refuses ensure-user answer {name!r} ({error or calls!r})",
                )
    finally:
        SystemdSpawner.start = original


def check_config_d(glue_py, rendered, tmp):
    snippets = os.path.join(tmp, "jupyterhub_config.d")
    os.makedirs(snippets)
    with open(os.path.join(snippets, "20-second.py"), "w") as f:
        f.write('c.Spawner.mem_limit = "3G"\n')
    with open(os.path.join(snippets, "10-first.py"), "w") as f:
        f.write(
            'c.JupyterHub.services.append({"name": "extra", "url": "http://127.0.0.1:1"})\n'
            'c.Spawner.mem_limit = "2G"\n'
        )
    with open(os.path.join(snippets, "ignored.txt"), "w") as f:
        f.write("this is not python\n")
    copy = dict(rendered, config_d=snippets)
    path = os.path.join(tmp, "hub-config.json")
    with open(path, "w") as f:
        json.dump(copy, f)
    config = load_glue(glue_py, path)
    hub = JupyterHub(config=config)
    names = [s["name"] for s in hub.services]
    rendered_names = [
        s["name"] for s in rendered["traits"]["JupyterHub"].get("services", [])
    ]
    check(
        names == rendered_names + ["extra"],
        f"config_d snippets extend the rendered services: {names!r}",
    )
    spawner = hub.spawner_class(user=fake_user("alice", False), config=config)
    check(
        spawner.mem_limit == 3 * 1024**3, "config_d snippets load in name order and win"
    )


def check_service_tokens(glue_py, rendered, tmp):
    """The hubcfg service's api_token comes from its file, never the JSON."""
    check("api_token" not in json.dumps(rendered), "the rendered JSON holds no api_token")
    token_file, path = os.path.join(tmp, "token"), os.path.join(tmp, "hub-config.json")
    with open(token_file, "w") as f:
        f.write("0123456789abcdef" * 4 + "\n")
    with open(path, "w") as f:
        json.dump(dict(rendered, config_d=tmp, service_token_files={"hubcfg": token_file}), f)
    services = {s["name"]: s for s in JupyterHub(config=load_glue(glue_py, path)).services}
    check(
        services.get("hubcfg", {}).get("api_token") == "0123456789abcdef" * 4,
        "the hubcfg service's api_token is read from its file (stripped)",
    )
    others = [n for n, s in services.items() if n != "hubcfg" and "api_token" in s]
    check(not others, f"no other service gets a token: {others!r}")
    os.remove(token_file)
    services = {s["name"]: s for s in JupyterHub(config=load_glue(glue_py, path)).services}
    check(
        "hubcfg" in services and "api_token" not in services["hubcfg"],
        "a missing token file leaves the service without a token (the hub starts)",
    )


def check_bad_json(glue_py, tmp):
    for name, text, expect in [
        ("missing.json", None, "hubcfg render"),
        ("broken.json", "{", "not valid JSON"),
        ("future.json", '{"version": 99, "traits": {}}', "format version 99"),
    ]:
        path = os.path.join(tmp, name)
        if text is not None:
            with open(path, "w") as f:
                f.write(text)
        try:
            load_glue(glue_py, path)
            check(False, f"{name} stops the hub")
        except SystemExit as e:
            check(expect in str(e) and path in str(e), f"{name} stops the hub: {e}")


def check_config_path(glue_py):
    glue = load_glue_module(glue_py)
    for environ, want in [
        ({"HUBCFG_HUB_CONFIG": "/x/h.json", "HUBCFG_PREFIX": "/p"}, "/x/h.json"),
        (
            {"HUBCFG_PREFIX": "/p", "TLJH_INSTALL_PREFIX": "/t"},
            "/p/state/hub-config.json",
        ),
        ({"TLJH_INSTALL_PREFIX": "/t"}, "/t/state/hub-config.json"),
        ({}, "/opt/tljh/state/hub-config.json"),
    ]:
        got = glue.hub_config_path(environ)
        check(got == want, f"hub config path for {environ}: {got}")


def main():
    glue_py, hub_json = sys.argv[1], sys.argv[2]
    with open(hub_json) as f:
        rendered = json.load(f)
    config = load_glue(glue_py, hub_json)
    with tempfile.TemporaryDirectory() as tmp:
        # The rendered values alone, without the host's jupyterhub_config.d.
        alone = os.path.join(tmp, "hub-config.json")
        with open(alone, "w") as f:
            json.dump(dict(rendered, config_d=os.path.join(tmp, "none")), f)
        check_traits(load_glue(glue_py, alone), rendered)
    with tempfile.TemporaryDirectory() as tmp:
        check_spawner(config, tmp)
    with tempfile.TemporaryDirectory() as tmp:
        check_account_names(glue_py, config, tmp)
    check_ready_wait(config)
    with tempfile.TemporaryDirectory() as tmp:
        check_config_d(glue_py, rendered, tmp)
    with tempfile.TemporaryDirectory() as tmp:
        check_service_tokens(glue_py, rendered, tmp)
    with tempfile.TemporaryDirectory() as tmp:
        check_bad_json(glue_py, tmp)
    check_config_path(glue_py)
    with tempfile.TemporaryDirectory() as tmp:
        check_first_use(config, tmp, check)
    if FAILURES:
        print(f"\n{len(FAILURES)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("\nall glue checks passed")


if __name__ == "__main__":
    main()
