"""drop_share.py with the operator bandit of chained problems on or off.

    python benchmarks/quality/bandit_ab.py --no-bandit --size compound --days 15 \
        --skip-days 10 --windows AM PM --shares auto --limits 5

Every argument but ``--bandit/--no-bandit`` goes to ``benchmarks/drop_share.py``;
``--no-bandit`` sets ``basket_route.solver.routing.CHAINED_OPERATOR_BANDIT = False`` (the
setting before it was introduced) in this process and the pool workers it forks.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import basket_route.solver.routing as routing


def main() -> None:
    """Set the bandit as asked, then run drop_share.py with the other arguments."""
    args = sys.argv[1:]
    if "--no-bandit" in args:
        routing.CHAINED_OPERATOR_BANDIT = False
    rest = [a for a in args if a not in ("--bandit", "--no-bandit")]
    print(f"CHAINED_OPERATOR_BANDIT = {routing.CHAINED_OPERATOR_BANDIT}", flush=True)
    script = Path(__file__).resolve().parents[1] / "drop_share.py"
    sys.argv = [str(script), *rest]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main()
