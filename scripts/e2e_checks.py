#!/usr/bin/env python3
"""The end-to-end scenarios (scripts/e2e_lib) against one live installation:
`python3 scripts/e2e_checks.py` is `python3 -m e2e_lib` run from scripts/.
Used by scripts/e2e (the container) and vagrant/Vagrantfile (inside a VM);
the environment it reads is described in scripts/e2e_lib/runner.py.
Needs: requests, websocket-client."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

from e2e_lib.runner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
