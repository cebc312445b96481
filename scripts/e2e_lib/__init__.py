"""End-to-end scenarios against one live hubcfg installation.

A scenario is a function that takes the running machine (a `Container`) and
raises `CheckFailed` (through `expect`) when something is wrong:

    from .core import Container, expect, scenario

    @scenario(core=True)          # core: also run on the other distributions
    def hub_answers(c: Container):
        r = c.get("/hub/api")
        expect(r.status_code == 200, f"/hub/api answered {r.status_code}")

Scenarios run in the order they are registered (module by module, see
runner.MODULES); any subset runs alone, since shared setup (dummy auth, a
logged-in admin) is made on demand through c.state. Run with
`python -m e2e_lib` from scripts/ (or scripts/e2e_checks.py); see runner.py
for the environment it reads.
"""
