"""Deterministic synthetic data: the demo database, the test fixture and the benchmarks."""

from data_model.sample.generator import SampleSpec, generate
from data_model.sample.target import stale_sample

__all__ = ["SampleSpec", "generate", "stale_sample"]
