"""Hypothesis profiles: "ci" (the default: a fixed, bounded number of examples, so that
CI's time is known) and "long" for local runs (HYPOTHESIS_PROFILE=long). A failure prints
the example and the blob that reproduces it (@reproduce_failure)."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=60, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.register_profile("long", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
