"""Benchmarks of fipfit: each script measures a ratio against a baseline.

Run each from the repository root as a module, ``python -m bench.information``
(run as files, ``bench/dask.py`` and ``bench/madminer.py`` would shadow the
packages they measure), or all of them with ``python -m bench.run_all``.
"""
