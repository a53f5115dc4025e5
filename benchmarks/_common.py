"""Helpers shared by the benchmark scripts: timing, medians, result records."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "out"


@dataclass
class Result:
    name: str
    metric: str  # what the numbers are (seconds, items/s, MB)
    value: float
    baseline_name: str
    baseline: float
    target: str
    passed: bool
    details: dict[str, Any] = field(default_factory=dict)

    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, list[float]]:
    """Median wall time of ``repeat`` runs (after one warm-up run)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def cpu_probe(repeat: int = 5) -> float:
    """Median seconds of a fixed pure-Python loop: how fast this machine's CPU is right now.

    Shared virtual machines change speed between runs (here the same loop took 0.45 s or 0.7 s
    for minutes at a time); absolute targets are only comparable between runs with similar probes.
    """
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        sum(range(2_000_000))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def save(results: list[Result], name: str) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps([asdict(r) | {"ratio": r.ratio()} for r in results], indent=2))
    return path


def report(results: list[Result]) -> None:
    for r in results:
        status = "PASS" if r.passed else "FAIL"
        print(f"[{status}] {r.name}: {r.value:.3f} {r.metric} vs {r.baseline_name} {r.baseline:.3f} "
              f"(ratio {r.ratio():.2f}; target {r.target})")
