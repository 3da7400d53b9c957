"""JSON from files a user or a disk hands us (manifests, safetensors headers,
HF indexes, compile cache entries, config.json): parsed with a nesting limit.

Python's ``json`` recurses once per nesting level, so 100,000 ``[`` raise
RecursionError deep inside the parser (or worse, with a raised recursion
limit, overflow the C stack). None of Tessera's formats nests deeper than a
few levels; :func:`loads` refuses anything deeper than ``MAX_DEPTH`` with a
ValueError before parsing, so callers turn it into their own one-line error
exactly like malformed JSON.
"""

from __future__ import annotations

import json
import re

#: Deeper than any Tessera or HF format (a manifest nests 4 levels).
MAX_DEPTH = 64

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def nesting_depth(text: str) -> int:
    """Maximum bracket nesting of JSON-like ``text``, ignoring brackets in strings."""
    depth = deepest = 0
    for m in _TOKENS.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif tok in "]}":
            depth -= 1
    return deepest


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """ValueError when ``text`` nests deeper than ``max_depth``."""
    # Fast path: fewer opening brackets than the limit cannot nest deeper.
    if text.count("[") + text.count("{") <= max_depth:
        return
    depth = nesting_depth(text)
    if depth > max_depth:
        raise ValueError(f"nested {depth} levels deep (more than {max_depth})")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str | bytes, max_depth: int = MAX_DEPTH, constants: bool = True):
    """``json.loads`` that raises ValueError (json.JSONDecodeError is one)
    for malformed, non-UTF-8 or too deeply nested text, never RecursionError.
    ``constants=False`` also refuses NaN/Infinity, which strict JSON (the
    safetensors header) lacks; HF's config.json uses Infinity."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise ValueError(f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    check_depth(text, max_depth)
    try:
        return json.loads(text) if constants else json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # belt and braces: the depth check should make this unreachable
        raise ValueError(f"nested too deeply (more than {max_depth} levels)") from None
