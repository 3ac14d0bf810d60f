"""The pure maths of customer analytics: Polars (and NumPy/SciPy) in, Polars out.

Nothing in this package imports Django or another Rapport app (a test checks), so every
function is tested and benchmarked alone; `analytics.services` reads the database in bulk,
calls these functions and writes their results back. Each module's docstring is the contract:
the columns (and types) it takes and the columns it returns.
"""
