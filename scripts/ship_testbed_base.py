"""Build the default testbed base model here and ship it with the package (``oneshot_trl/testbed/base``).

Run it after any change to the testbed's recipe or build code (``tests/test_testbed.py`` fails until then),
then regenerate the README's demo figures: every machine's demo starts from the base shipped here.

    python scripts/ship_testbed_base.py            # reuses .cache/testbed when this recipe was built here
    python scripts/ship_testbed_base.py --fresh    # builds in an empty temporary cache
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="build in an empty temporary cache")
    args = parser.parse_args()

    from oneshot_trl.testbed.build import CACHE, TestbedRecipe, build
    from oneshot_trl.testbed.shipped import SHIPPED, ship

    with tempfile.TemporaryDirectory() as tmp:
        built = build(TestbedRecipe(), Path(tmp) if args.fresh else CACHE)
        ship(built)
    size = sum(p.stat().st_size for p in SHIPPED.iterdir())
    print(f"shipped {built.name} to {SHIPPED} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
