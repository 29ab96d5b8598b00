"""Run every routine benchmark in turn, each in its own process; each updates its section of
``docs/benchmarks.md``. ``make bench`` calls this.

Left out because they need hours or a prepared 1M-posting database: ``bench.bench_scale``
(with ``bench.scale_data``) and ``bench.soak``; run those by hand.
"""

from __future__ import annotations

import subprocess
import sys

ROUTINE = ["reference_load", "bench_classifier", "bench_storage", "bench_crawl", "recommend",
           "bench_web", "bench_trends", "bench_batch"]


def main() -> None:
    """Run the routine benchmarks; stop at the first that fails, with its exit status."""
    for name in ROUTINE:
        print(f"== bench.{name}", flush=True)
        done = subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        if done.returncode:
            sys.exit(f"bench.{name} failed with exit status {done.returncode}")


if __name__ == "__main__":
    main()
