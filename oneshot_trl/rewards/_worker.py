"""A symbolic-equivalence worker process (started by ``symbolic.SymbolicPool``; not for direct use).

Reads one JSON request per line on stdin (``{"id": n, "pred": ..., "gold": ...}``) and writes
``{"id": n, "v": true|false}``, echoing the id so the parent can never take one question's reply for
another's. A check that raised writes ``{"id": n, "v": false, "error": "..."}``: the parent counts it.
Only math-verify's LaTeX extraction is used: it parses with an ANTLR grammar into sympy objects and never
evaluates text (its plain-expression mode calls ``parse_expr``, i.e. ``eval``, so it is not used).
The parent kills this process when an answer runs past its timeout.
"""

from __future__ import annotations

import json
import logging
import resource
import sys

_MEMORY_LIMIT = 2 * 1024**3  # a power tower must not take the machine's memory with it


def main() -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))
    except (ValueError, OSError):
        pass
    logging.disable(logging.CRITICAL)  # math-verify warns on every call with its own timeouts off
    import sympy
    from math_verify import LatexExtractionConfig, parse, verify

    config = [LatexExtractionConfig()]

    def parsed(text: str):
        return parse(f"${text}$", extraction_config=config, parsing_timeout=None)

    def same_line(pred: str, gold: str) -> bool:
        """Two equations are the same when (lhs - rhs) of one is a non-zero constant times the other's."""
        sides = []
        for text in (pred, gold):
            left, right = text.split("=")
            left_parsed, right_parsed = parsed(left), parsed(right)
            if not left_parsed or not right_parsed:
                return False
            sides.append(sympy.sympify(left_parsed[0]) - sympy.sympify(right_parsed[0]))
        if sides[1] == 0:
            return False
        ratio = sympy.simplify(sides[0] / sides[1])
        return bool(ratio.free_symbols == set() and ratio.is_number and ratio != 0)

    def proved(gold_parsed: list, pred_parsed: list) -> bool:
        """Math-Verify calls two expressions equal when their difference evaluates to 0 at 15 digits
        (chopped), so e^{π√163} - 262537412640768744 or √(m²+1) - m - 1/(2m) pass. For two scalar expressions
        that is float agreement, not a proof: require sympy to simplify the difference to exactly 0."""
        a, b = gold_parsed[0], pred_parsed[0]
        if not (isinstance(a, sympy.Expr) and isinstance(b, sympy.Expr)):
            return True  # sets, intervals, relations, matrices: Math-Verify's own comparison
        if a == b:
            return True
        return sympy.simplify(a - b).is_zero is True

    def judge(pred: str, gold: str) -> bool:
        if pred.count("=") == 1 and gold.count("=") == 1:
            return same_line(pred, gold)
        gold_parsed, pred_parsed = parsed(gold), parsed(pred)
        if not gold_parsed or not pred_parsed:
            return False
        return bool(verify(gold_parsed, pred_parsed, timeout_seconds=None)) and proved(
            gold_parsed, pred_parsed
        )

    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        reply = {"id": request["id"], "v": False}
        try:
            reply["v"] = judge(str(request["pred"]), str(request["gold"]))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which counts it
            reply["error"] = f"{type(exc).__name__}: {exc}"[:200]
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
