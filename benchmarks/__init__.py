"""Reproducible measurements of close-contract: ``python -m benchmarks`` runs them all.

Each ``bench_*.py`` file is also a script of its own (``--json`` prints its figures);
``python -m benchmarks`` runs every one of them and writes ``docs/benchmarks.md``.
"""
