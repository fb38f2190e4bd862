"""Stage 3: is a predicted answer mathematically equivalent to the gold answer?

Cheapest first: identical strings → canonical forms (``normalize``) → exact rational arithmetic on
plain numbers (``numeric``) → structure (tuples/intervals in order with their brackets, sets and
answer lists in any order, matrices cell by cell) → symbolic equivalence with math-verify in a killable
worker process (``symbolic``). Each stage answers True, False, or "undecided"; only undecided pairs go
on. Every verdict is cached, so a 1-shot step (one gold, a few distinct answers) grades each pair once.
"""

from __future__ import annotations

import re
import threading

from .normalize import Normalized, normalize
from .numeric import to_rational
from .symbolic import get_pool

_TEXT = re.compile(r"^[A-Za-z][A-Za-z ]*$")
_MATRIX = re.compile(r"^\\begin\{([pbvBV]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$", re.DOTALL)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CACHE_LIMIT = 200_000

_cache: dict[tuple[str, str, float], bool] = {}
_cache_lock = threading.Lock()


def _split_top(s: str, sep: str) -> list[str]:
    """Split at ``sep`` where no bracket is open (``\\{``/``\\}`` count as brackets)."""
    parts, depth, start, i, n, k = [], 0, 0, 0, len(s), len(sep)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in "{}":
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            start = i + k
            i += k
            continue
        i += 1
    parts.append(s[start:])
    return parts


def _closes_at_end(s: str) -> bool:
    """Whether the bracket opening ``s`` is the one closing it (so "(1)+(2)" is not one group)."""
    depth = 0
    for i, c in enumerate(s):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i == len(s) - 1
    return False


def _structure(s: str):
    """(kind, info, items) for compound answers, or None for an atom."""
    m = _MATRIX.match(s)
    if m:
        rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip()]
        return ("matrix", len(rows), [cell for row in rows for cell in row.split("&")] + [f"#{len(rows)}"])
    if s.startswith("\\{") and s.endswith("\\}"):
        return ("set", None, [p for p in _split_top(s[2:-2], ",") if p])
    parts = _split_top(s, "\\cup")
    if len(parts) > 1:
        return ("union", None, parts)
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and _closes_at_end(s.replace("\\{", "{").replace("\\}", "}")):
        items = _split_top(s[1:-1], ",")
        if len(items) > 1:
            return ("sequence", s[0] + s[-1], items)
    items = _split_top(s, ",")
    if len(items) > 1 and all(items):
        return ("list", None, items)
    return None


def _atom(p: Normalized, g: Normalized) -> bool | None:
    if p.text == g.text:
        return True
    rp, rg = to_rational(p.text), to_rational(g.text)
    if rp is not None and rg is not None:
        # "50%" may be written 50 or 0.5: accept either reading of a side that had a percent sign.
        preds = {rp, rp / 100} if p.percent else {rp}
        golds = {rg, rg / 100} if g.percent else {rg}
        return bool(preds & golds)
    if _TEXT.match(p.text) and _TEXT.match(g.text):  # plain words: case and spaces do not matter
        if p.text.replace(" ", "").lower() == g.text.replace(" ", "").lower():
            return True
        # Different words differ; but "ab" vs "ba" may be products of variables: let sympy decide those.
        return False if max(len(p.text), len(g.text)) >= 3 or " " in p.text + g.text else None
    return None


def _unordered(preds: list[str], golds: list[str]) -> bool | None:
    if len(preds) != len(golds):
        return False
    unmatched = list(range(len(preds)))
    undecided = False
    for g in golds:
        found = None
        for j in unmatched:
            verdict = _compare(Normalized(preds[j]), Normalized(g))
            if verdict:
                found = j
                break
            if verdict is None:
                undecided = True
        if found is None:
            return None if undecided else False
        unmatched.remove(found)
    return True


def _compare(p: Normalized, g: Normalized) -> bool | None:
    """True / False when certain without sympy, None when undecided."""
    if p.text == g.text:
        return True
    sp, sg = _structure(p.text), _structure(g.text)
    if sp is None and sg is None:
        return _atom(p, g)
    if sp is None or sg is None or sp[0] != sg[0]:
        return None  # different shapes may still be equal symbolically ("[0,1)" vs "0 <= x < 1")
    kind, info_p, items_p = sp
    _, info_g, items_g = sg
    if kind in ("set", "list"):
        return _unordered(items_p, items_g)
    if info_p != info_g or len(items_p) != len(items_g):
        return False  # "(1,2)" vs "[1,2]", "[0,1)" vs "[0,1]", or another number of entries
    verdicts = [_compare(Normalized(a), Normalized(b)) for a, b in zip(items_p, items_g)]
    if False in verdicts:
        return False
    return True if all(verdicts) else None


def _judge(pred: str, gold: str, timeout: float) -> bool:
    if pred.strip() == gold.strip():
        return True
    p, g = normalize(pred), normalize(gold)
    if not p.text:
        return False
    verdict = _compare(p, g)
    if verdict is not None:
        return verdict
    # Undecided: symbolic check on the canonical forms, in a worker; a timeout scores 0.
    return bool(get_pool().equivalent(p.text, g.text, timeout))


def is_equivalent(pred: str | None, gold: str | None, *, timeout: float = 1.0) -> bool:
    r"""Whether ``pred`` is mathematically equivalent to ``gold`` (LaTeX or plain text). Never raises.

    >>> is_equivalent("025", "25"), is_equivalent(r"\frac{64}{5}", "12.8"), is_equivalent("12.7", "12.8")
    (True, True, False)
    >>> is_equivalent("(1,2)", "(2,1)"), is_equivalent(r"\{1,2\}", r"\{2,1\}"), is_equivalent("[0,1)", "[0,1]")
    (False, True, False)
    >>> is_equivalent(r"x = 3", "3"), is_equivalent(r"336^\circ", "336"), is_equivalent(r"\text{Evelyn}", "evelyn")
    (True, True, True)
    """
    if not isinstance(pred, str) or not isinstance(gold, str) or not pred.strip():
        return False
    key = (pred, gold, timeout)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        verdict = _judge(pred, gold, timeout)
    except Exception:  # noqa: BLE001 - model output is untrusted; any failure is "not equivalent"
        verdict = False
    with _cache_lock:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = verdict
    return verdict


def clear_cache() -> None:
    """Forget cached verdicts (for benchmarks that time the uncached path)."""
    _cache.clear()
    normalize.cache_clear()
    to_rational.cache_clear()
