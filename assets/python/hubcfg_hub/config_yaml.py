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


def entries(root):
    from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

    out = []

    def walk(node, path):
        for k, v in node.items():
            line, col = node.lc.key(k) if hasattr(node, "lc") else (None, 0)
            e = {"path": path + [str(k)], "line": None if line is None else line + 1,
                 "comments": [], "inline": None, "_col": col,
                 "_block": isinstance(v, (LiteralScalarString, FoldedScalarString))}
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


def end_of_line_comment(src):
    """The `# ...` that ends a YAML line, outside quotes, or None."""
    quote = None
    prev = " "
    i = 0
    while i < len(src):
        c = src[i]
        if quote == "'":
            if c == "'" and src[i + 1:i + 2] == "'":
                i += 1
            elif c == "'":
                quote = None
        elif quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                quote = None
        elif c in "'\"" and (prev in " \t[{,:" or i == 0):
            quote = c
        elif c == "#" and prev in " \t":
            return src[i:].strip()
        prev = c
        i += 1
    return None


def block_lines(found, lines):
    """0-based lines that are the text of a block scalar (`|`, `>`)."""
    inside = set()
    for e in found:
        if not e["_block"] or not e["line"]:
            continue
        for n in range(e["line"], len(lines)):
            text = lines[n]
            if text.strip() and len(text) - len(text.lstrip()) <= e["_col"]:
                break
            inside.add(n)
    return inside


def place_comments(found, lines):
    """Comments found by scanning the text (ruamel's own comment positions
    move around). A full-line comment goes to the next key below it at the
    same or a lower indentation, else (it sits inside a value, between list
    items) to the key above it; an end-of-line comment to the key on its
    line, else to the key above it; what follows the last key is trailing."""
    trailing = []
    by_line = {}
    for e in found:
        if e["line"]:
            by_line.setdefault(e["line"], e)
    keys = sorted(by_line)
    content = block_lines(found, lines)
    for n, src in enumerate(lines):
        if n in content:
            continue
        line = n + 1
        stripped = src.strip()
        below = [k for k in keys if k > line]
        above = [k for k in keys if k < line]
        if stripped.startswith("#"):
            col = len(src) - len(src.lstrip())
            if below and col <= by_line[below[0]]["_col"]:
                by_line[below[0]]["comments"].append(stripped)
            elif below and above:
                by_line[above[-1]]["comments"].append(stripped)
            elif below:
                by_line[below[0]]["comments"].append(stripped)
            else:
                trailing.append(stripped)
            continue
        comment = end_of_line_comment(src)
        if comment is None:
            continue
        if line in by_line and by_line[line]["inline"] is None:
            by_line[line]["inline"] = comment
        elif above or line in by_line:
            by_line[line if line in by_line else above[-1]]["comments"].append(comment)
        else:
            trailing.append(comment)
    for e in found:
        del e["_col"], e["_block"]
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
    trailing = place_comments(found, text.split("\n"))
    _jsonio.reply({"entries": found, "trailing": trailing, "empty": False, "errors": []})


def plain_type(data):
    return "a list" if isinstance(data, list) else "a single value"


if __name__ == "__main__":
    main()
