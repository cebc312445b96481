"""The one request/reply convention of the package's modules.

Reply on stdout: {"ok": true, ...result} or {"ok": false, "error": KIND,
"message": TEXT}. Exit status 0 either way, so the Rust side tells a
failure it knows (a missing module, bad input) from a crash (a traceback
on stderr, exit status 1)."""
import json
import sys


def request():
    return json.load(sys.stdin)


def reply(result):
    out = {"ok": True}
    out.update(result)
    json.dump(out, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


def fail(kind, message):
    json.dump({"ok": False, "error": kind, "message": message}, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(0)
