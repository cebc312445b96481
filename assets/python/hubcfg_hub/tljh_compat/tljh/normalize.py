"""Unix account names, as hubcfg makes them (username::unix_name in the
Rust side; tests/user_names.rs checks both over one table)."""
import hashlib

PREFIX = "jupyter-"
_TLJH_CUTOFF = 26
_UNSAFE_LEN = 31
_HINT_MAX = 10
_SAFE = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _sha256(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def _tljh_rule(full):
    if len(full) < _TLJH_CUTOFF:
        return full
    return "%s-%s" % (full[:_TLJH_CUTOFF], _sha256(full)[:5])


def _hint(name):
    out = ""
    for ch in name:
        ch = ch.lower() if ch.isascii() else ch
        if ch in _SAFE and ch != "-":
            out += ch
        elif not out.endswith("-"):
            out += "-"
    return out.strip("-")[:_HINT_MAX].rstrip("-")


def generate_system_username(username):
    """The account for `username`, which TLJH's callers pass as
    "jupyter-" + the hub name. Names of a-z, 0-9, _ and - follow TLJH's
    rule (hashed from 26 characters on); any other character gives
    "jupyter-" + a short hint + a hash, 31 characters. A name without the
    "jupyter-" prefix gets TLJH's rule as it is."""
    if not username.startswith(PREFIX) or len(username) == len(PREFIX):
        return _tljh_rule(username)
    hub = username[len(PREFIX):]
    if all(ch in _SAFE for ch in hub):
        return _tljh_rule(username)
    hint = _hint(hub)
    sep = "-" if hint else ""
    digest = _sha256(username)
    return PREFIX + hint + sep + digest[: _UNSAFE_LEN - len(PREFIX) - len(hint) - len(sep)]
