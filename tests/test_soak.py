"""Memory and threads stay flat over many engines and many evaluations (in a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, threading, psutil
    from fractions import Fraction
    import tierlib

    proc = psutil.Process()
    ruleset = tierlib.load("tests/data/valid/small.yaml")
    def org(k):
        return tierlib.Organization(id=f"O{k}", facts={
            "rate": Fraction(k % 101, 100), "ok": k % 2 == 0, "count": k % 6})

    def cycles(n):
        for k in range(n):
            with tierlib.Engine(ruleset) as engine:
                engine.evaluate(org(k))

    cycles(100)  # warm up allocators and caches
    rss0, threads0 = proc.memory_info().rss, threading.active_count()
    cycles(1000)
    rss1, threads1 = proc.memory_info().rss, threading.active_count()
    with tierlib.Engine(ruleset, memo_size=0) as engine:  # every evaluation reaches durable
        for k in range(2000):
            engine.evaluate(org(k))
        rss2 = proc.memory_info().rss
        for k in range(100000):
            engine.evaluate(org(k))
        rss3, threads3 = proc.memory_info().rss, threading.active_count()
    print(json.dumps({"rss0": rss0, "rss1": rss1, "rss2": rss2, "rss3": rss3,
                      "threads": [threads0, threads1, threads3]}))
    """
)


@pytest.mark.slow
def test_memory_and_threads_stay_flat_over_1000_engines_and_100000_evaluations():
    """±20 MB RSS and a constant thread count: 1,000 build/evaluate/close cycles, 100,000 evaluations."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600, check=True
    )
    m = json.loads(done.stdout.strip().splitlines()[-1])
    mb = 1024 * 1024
    assert abs(m["rss1"] - m["rss0"]) < 20 * mb, m
    assert abs(m["rss3"] - m["rss2"]) < 20 * mb, m
    assert len(set(m["threads"])) == 1, m
