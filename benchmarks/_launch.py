"""Run a console script in this process and record its peak memory.

    python _launch.py RESULT.json SCRIPT [ARGS...]

RESULT.json gets {"rc", "self_mb", "children_mb", "cpu_s"}: the peak RSS of this
process (the command's main process), the largest peak RSS among its reaped child
processes (its workers; /usr/bin/time -f %M would report the larger of the two),
and the CPU seconds (user + system) of both together.
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
    both = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    cpu = sum(u.ru_utime + u.ru_stime for u in both)
    with open(result, "w") as out:
        json.dump({"rc": rc, "self_mb": usage["self"], "children_mb": usage["children"], "cpu_s": cpu}, out)


if __name__ == "__main__":
    main()
