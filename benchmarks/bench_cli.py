"""Start-up cost of the CLI against the interpreter floor, measured in the same run.

* `lift dynamorm --help` versus `python -c pass`: target within 0.25 s of the floor.
* `lift dynamorm inspect` on a small project (the example in examples/billing): informational.

Run: python benchmarks/bench_cli.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Result, report, save, timed  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path | None = None) -> None:
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)


def run(repeat: int = 7) -> list[Result]:
    python = sys.executable
    floor, floor_samples = timed(lambda: _run([python, "-c", "pass"]), repeat)
    help_time, help_samples = timed(lambda: _run([python, "-m", "liftcli", "dynamorm", "--help"]), repeat)
    example = ROOT / "examples" / "billing"
    inspect_time, inspect_samples = timed(
        lambda: _run([python, "-m", "liftcli", "dynamorm", "inspect", "--format", "json"], cwd=example), repeat
    )
    return [
        Result("lift dynamorm --help", "s", help_time, "python -c pass", floor, "<= floor + 0.25 s",
               help_time <= floor + 0.25, {"samples": help_samples, "floor_samples": floor_samples,
                                           "over_floor": help_time - floor}),
        Result("lift dynamorm inspect (examples/billing, 2 models)", "s", inspect_time, "python -c pass", floor,
               "informational", True, {"samples": inspect_samples, "over_floor": inspect_time - floor}),
    ]


def main() -> int:
    results = run()
    report(results)
    save(results, "cli")
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
