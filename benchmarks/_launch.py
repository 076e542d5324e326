"""Run a console script in this process and record its peak memory.

    python _launch.py RESULT.json SCRIPT [ARGS...]

RESULT.json gets {"rc", "self_mb", "children_mb"}: the peak RSS of this process
(the command's main process) and the largest peak RSS among its reaped child
processes (its workers). /usr/bin/time -f %M would report the larger of the two.
"""

import json
import resource
import sys
from importlib.metadata import entry_points

PER_MB = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss unit: KB on Linux, bytes on macOS


def main() -> None:
    result, script, *args = sys.argv[1:]
    (entry,) = entry_points(group="console_scripts", name=script)
    sys.argv = [script, *args]
    rc = 0
    try:
        entry.load()()
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    usage = {
        w: resource.getrusage(getattr(resource, f"RUSAGE_{w.upper()}")).ru_maxrss / PER_MB
        for w in ("self", "children")
    }
    with open(result, "w") as out:
        json.dump({"rc": rc, "self_mb": usage["self"], "children_mb": usage["children"]}, out)


if __name__ == "__main__":
    main()
