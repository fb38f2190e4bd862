"""A symbolic-equivalence worker process (started by ``symbolic.SymbolicPool``; not for direct use).

Reads one JSON request per line on stdin ({"pred": ..., "gold": ...}) and writes {"v": true|false}.
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
    from math_verify import LatexExtractionConfig, parse, verify

    config = [LatexExtractionConfig()]

    def judge(pred: str, gold: str) -> bool:
        gold_parsed = parse(f"${gold}$", extraction_config=config, parsing_timeout=None)
        pred_parsed = parse(f"${pred}$", extraction_config=config, parsing_timeout=None)
        if not gold_parsed or not pred_parsed:
            return False
        return bool(verify(gold_parsed, pred_parsed, timeout_seconds=None))

    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            verdict = judge(str(request["pred"]), str(request["gold"]))
        except Exception:  # noqa: BLE001 - any failure to parse or compare is "not equivalent"
            verdict = False
        out.write('{"v": true}\n' if verdict else '{"v": false}\n')
        out.flush()


if __name__ == "__main__":
    main()
