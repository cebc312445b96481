"""Reads TLJH's config.yaml with ruamel.yaml in round-trip mode (as TLJH
itself reads it) and lists what it holds, for `hubcfg migrate`.

Request: {"text": the file's text}.
Reply: {"entries": [...], "trailing": [comment lines after the last key],
        "errors": [{"line", "column", "message"}], "empty": bool}
Each entry, in document order, is one mapping key:
  {"path": [keys from the top], "line": 1-based line of the key,
   "table": true for a non-empty mapping (its keys follow as entries),
   "value": the typed value otherwise (null, bool, int, float, str, list,
            or {} for an empty mapping),
   "yaml_type": "timestamp" when a YAML timestamp became text,
   "comments": ["# full-line comments right above the key", ...],
   "inline": "# the comment at the end of the key's line" or null}
"""
import datetime
import math

from hubcfg_hub import _jsonio


class Unsupported(Exception):
    pass


def plain(v):
    """A YAML value as JSON data, the types TLJH's Python code would see."""
    from ruamel.yaml.scalarbool import ScalarBoolean

    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, ScalarBoolean):
        return bool(v)
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise Unsupported("a float that is not a number (.nan or .inf)")
        return float(v)
    if isinstance(v, str):
        return str(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set)):
        return [plain(x) for x in v]
    raise Unsupported("a YAML value of type %s" % type(v).__name__)


def comment_lines(node):
    """(0-based line, column, text) of every comment ruamel attached
    anywhere under `node`."""
    from ruamel.yaml.tokens import CommentToken

    out = set()

    def collect(x):
        if isinstance(x, CommentToken):
            start = x.start_mark.line
            for i, piece in enumerate(x.value.split("\n")):
                text = piece.strip()
                if text.startswith("#"):
                    col = x.start_mark.column if i == 0 else len(piece) - len(piece.lstrip())
                    out.add((start + i, col, text))
        elif isinstance(x, dict):
            for y in x.values():
                collect(y)
        elif isinstance(x, (list, tuple)):
            for y in x:
                collect(y)

    def walk(n):
        ca = getattr(n, "ca", None)
        if ca is not None:
            collect(ca.comment)
            collect(ca.items)
            collect(getattr(ca, "end", None))
        if isinstance(n, dict):
            for v in n.values():
                walk(v)
        elif isinstance(n, list):
            for v in n:
                walk(v)

    walk(node)
    return sorted(out)


def entries(root):
    out = []

    def walk(node, path):
        for k, v in node.items():
            line = node.lc.key(k)[0] if hasattr(node, "lc") else None
            e = {"path": path + [str(k)], "line": None if line is None else line + 1,
                 "comments": [], "inline": None}
            if isinstance(v, dict) and len(v) > 0:
                e["table"] = True
                out.append(e)
                walk(v, e["path"])
                continue
            e["table"] = False
            try:
                e["value"] = plain(v)
            except Unsupported as err:
                e["value"] = None
                e["unsupported"] = str(err)
            if isinstance(v, (datetime.date, datetime.datetime)):
                e["yaml_type"] = "timestamp"
            out.append(e)

    walk(root, [])
    return out


def place_comments(found, comments, lines):
    """Full-line comments go to the next key below them, end-of-line ones
    to the key on that line (or the last key above it, for a list item's
    line); what follows the last key is returned as trailing."""
    trailing = []
    key_lines = sorted({e["line"] for e in found if e["line"]})
    by_line = {}
    for e in found:
        by_line.setdefault(e["line"], e)
    for line0, col, text in comments:
        line = line0 + 1
        src = lines[line0] if line0 < len(lines) else ""
        full_line = src.strip().startswith("#")
        if full_line:
            below = [n for n in key_lines if n > line]
            if below:
                by_line[below[0]]["comments"].append(text)
            else:
                trailing.append(text)
            continue
        if line in by_line and by_line[line]["inline"] is None:
            by_line[line]["inline"] = text
            continue
        above = [n for n in key_lines if n <= line]
        if above:
            by_line[above[-1]]["comments"].append(text)
        else:
            trailing.append(text)
    return trailing


def main():
    req = _jsonio.request()
    text = req["text"]
    try:
        from ruamel.yaml import YAML
    except ImportError as e:
        _jsonio.fail("missing_module", "ruamel.yaml is not installed in this Python (%s)" % e)
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except Exception as e:  # every ruamel error, with its mark when it has one
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        problem = getattr(e, "problem", None) or str(e).strip().splitlines()[0]
        context = getattr(e, "context", None)
        where = getattr(e, "context_mark", None)
        message = problem
        if context and where is not None and where is not mark:
            message = "%s (%s on line %d)" % (problem, context.replace("while ", ""), where.line + 1)
        elif context:
            message = "%s %s" % (context, problem)
        _jsonio.reply({"entries": [], "trailing": [], "empty": False, "errors": [{
            "line": mark.line + 1 if mark else None,
            "column": mark.column + 1 if mark else None,
            "message": message,
        }]})
        return
    if data is None:
        _jsonio.reply({"entries": [], "trailing": [], "empty": True, "errors": []})
        return
    if not isinstance(data, dict):
        _jsonio.reply({"entries": [], "trailing": [], "empty": False, "errors": [{
            "line": 1, "column": 1,
            "message": "the file holds %s, not a mapping of settings" % plain_type(data),
        }]})
        return
    found = entries(data)
    trailing = place_comments(found, comment_lines(data), text.split("\n"))
    _jsonio.reply({"entries": found, "trailing": trailing, "empty": False, "errors": []})


def plain_type(data):
    return "a list" if isinstance(data, list) else "a single value"


if __name__ == "__main__":
    main()
