"""Benchmarks: `python -m bench [NAME ...]` (or `make bench`) runs every module here that
has a `run()` and writes its results to `bench/results/`."""
