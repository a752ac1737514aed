"""One-line converter: an entry of the reference's calibration file → a demand-set file.

    python -m archgym.simulators.qnet.convert demand_sets_seed1.json "line,0.6,10,1" > line.json

See :mod:`archgym.simulators.qnet.demandfile` for both formats.
"""

from __future__ import annotations

import json
import sys

from archgym.simulators.qnet.demandfile import convert_calibration


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.stderr.write("usage: python -m archgym.simulators.qnet.convert <calibration.json> <network,F_min,load,seed>\n")
        return 2
    json.dump(convert_calibration(args[0], args[1]), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
