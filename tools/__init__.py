"""Tools that measure casechat: evaluation, benchmark, load test, parameter sweeps.

They stand beside the app: they import downward (base, ingest, index, casechat)
and only the entry points (the `casechat` command's eval, bench and loadtest,
and evaluate.py) import them.
"""
