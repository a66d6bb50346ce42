"""moto's server, taught the AWS rules the server relies on where moto differs and a patch is
cheap. Run as `python fakes/moto_real.py -H HOST -p PORT` (moto_server's own arguments), or
call `teach()` before starting moto in this process.

- Route 53 `ListHostedZonesByName` with a `DNSName`: AWS lists the account's zones in order of
  their names with the labels reversed (`com.zillizcloud.vectordb.`), from that name on, so a
  domain's subdomains follow it. moto answers only the zones named exactly so.
- CloudWatch Logs filter patterns (`FilterLogEvents`): AWS's three forms, as its Filter and
  Pattern Syntax page gives them: terms (`ERROR`, `"a b"`, `?ERROR ?WARN`, `-term`), JSON
  (`{ ($.a = "x" || $.b != y*) && $.n >= 3 }`) and space-delimited (`[f0, f1 = "eni-1" ||
  f1 = "eni-2", ..., port = 19530]`, fields split on spaces with `"…"` and `[…]` kept whole).
  moto matches terms only and lets every other pattern match everything, so a pattern AWS
  would read otherwise passes unseen.
"""

import fnmatch
import json
import re
import sys


def _reversed_labels(name):
    labels = name.rstrip(".").lower().split(".")
    return ".".join(reversed(labels)) + "."


_TOKEN = re.compile(r'\s*(\|\||&&|\(|\)|!=|<=|>=|=|<|>|,|"(?:[^"\\]|\\.)*"|[^\s=!<>(),|&"]+)')


def _tokens(text):
    out, at = [], 0
    while at < len(text):
        m = _TOKEN.match(text, at)
        if not m or m.end() == at:
            if text[at:].strip():
                raise ValueError(f"unreadable pattern at {text[at:]!r}")
            break
        out.append(m.group(1))
        at = m.end()
    return out


def _unquote(value):
    return json.loads(value) if value.startswith('"') else value


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _compare(actual, op, expected_token):
    """One condition: `=`/`!=` on strings with `*` wildcards, or a numeric comparison."""
    if actual is None:
        return False
    expected = _unquote(expected_token)
    n_expected = None if expected_token.startswith('"') else _number(expected)
    n_actual = _number(str(actual))
    if n_expected is not None and n_actual is not None:
        return {"=": n_actual == n_expected, "!=": n_actual != n_expected,
                "<": n_actual < n_expected, ">": n_actual > n_expected,
                "<=": n_actual <= n_expected, ">=": n_actual >= n_expected}[op]
    if op not in ("=", "!="):
        return False
    matched = fnmatch.fnmatchcase(str(actual), expected) if "*" in expected \
        else str(actual) == expected
    return matched if op == "=" else not matched


class _Conditions:
    """`a = x || b != y && (c > 3)`: && binds tighter than ||, parentheses group."""

    def __init__(self, tokens, lookup):
        self.tokens, self.at, self.lookup = tokens, 0, lookup

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):
        self.at += 1
        return self.tokens[self.at - 1]

    def any_of(self):
        result = self.all_of()
        while self.peek() == "||":
            self.take()
            result = self.all_of() or result
        return result

    def all_of(self):
        result = self.one()
        while self.peek() == "&&":
            self.take()
            result = self.one() and result
        return result

    def one(self):
        if self.peek() == "(":
            self.take()
            result = self.any_of()
            if self.take() != ")":
                raise ValueError("unbalanced parenthesis")
            return result
        name, op, value = self.take(), self.take(), self.take()
        return _compare(self.lookup(name), op, value)


def _json_value(document, selector):
    if not selector.startswith("$"):
        raise ValueError(f"not a selector: {selector}")
    value = document
    for part in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", selector[1:]):
        key, index = part
        try:
            value = value[key] if key else value[int(index)]
        except (KeyError, IndexError, TypeError):
            return None
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


def _fields(message):
    """A space-delimited event's fields, `"…"` and `[…]` each kept whole."""
    return [m.group(1) or m.group(2) or m.group(3)
            for m in re.finditer(r'"([^"]*)"|\[([^\]]*)\]|(\S+)', message)]


def _space_delimited(pattern, message):
    specs, depth, current = [], 0, ""
    for ch in pattern.strip()[1:-1]:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            specs.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        specs.append(current.strip())
    values = _fields(message)
    if "..." in specs:
        cut = specs.index("...")
        head, tail = specs[:cut], specs[cut + 1:]
        if len(head) + len(tail) > len(values):
            return False
        placed = list(zip(head, values)) + list(zip(tail, values[len(values) - len(tail):]))
    else:
        if len(specs) != len(values):
            return False
        placed = list(zip(specs, values))
    named = {}
    for spec, value in placed:
        named[_tokens(spec)[0]] = value
    for spec, _ in placed:
        tokens = _tokens(spec)
        if len(tokens) > 1:
            if not _Conditions(tokens, named.get).any_of():
                return False
    return True


def _terms(pattern, message):
    words = re.findall(r'[?-]?"[^"]*"|\S+', pattern)
    any_of = [w[1:] for w in words if w.startswith("?")]
    if any_of:
        return any(_unquote(w) in message for w in any_of)
    for w in words:
        if w.startswith("-"):
            if _unquote(w[1:]) in message:
                return False
        elif _unquote(w) not in message:
            return False
    return True


def filter_pattern_matches(pattern, message):
    """Whether CloudWatch Logs' filter `pattern` matches the event `message`."""
    pattern = (pattern or "").strip()
    if not pattern:
        return True
    if pattern.startswith("{"):
        try:
            document = json.loads(message)
        except ValueError:
            return False
        inner = _tokens(pattern.strip()[1:-1])
        return _Conditions(inner, lambda s: _json_value(document, s)).any_of()
    if pattern.startswith("["):
        return _space_delimited(pattern, message)
    return _terms(pattern, message)


class _PatternFilter:
    def __init__(self, pattern):
        self.pattern = pattern

    def matches(self, message):
        return filter_pattern_matches(self.pattern, message)


def teach():
    from moto.logs import models as logs_models
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend, "_zpl_taught", False):
        return
    logs_models.EventMessageFilter = _PatternFilter

    def list_hosted_zones_by_name(self, dnsname):
        zones = sorted(self.zones.values(), key=lambda z: _reversed_labels(z.name))
        if not dnsname:
            return None, zones
        if dnsname[-1] != ".":
            dnsname += "."
        start = _reversed_labels(dnsname)
        return dnsname, [z for z in zones if _reversed_labels(z.name) >= start]

    Route53Backend.list_hosted_zones_by_name = list_hosted_zones_by_name
    Route53Backend._zpl_taught = True


if __name__ == "__main__":
    teach()
    from moto.server import main

    main(sys.argv[1:])
