"""Speed benchmarks, run by `make benchmark` (benchmarks/run.py): figures, never assertions."""
