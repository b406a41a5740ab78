"""Hypothesis profiles: ``ci`` (default; derandomized, repeatable), ``dev`` and ``heavy``.

Choose one with ``HYPOTHESIS_PROFILE=heavy pytest`` for long property runs. Also the ``default``
fixture of the test_engine*.py modules (some other modules define their own ``default``).
"""

import os

import pytest
from hypothesis import HealthCheck, settings

import tierlib
from tierlib.engine import Engine

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile(
    "heavy",
    deadline=None,
    max_examples=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def default():
    ruleset = tierlib.load("rules/default.yaml")
    with Engine(ruleset) as engine:
        yield ruleset, engine
