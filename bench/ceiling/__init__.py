"""The ceiling: the fastest page a bare Django can serve on Halqa's stack, to measure pages against.

Same settings, middleware, database, sessions and gunicorn as Halqa; one model, one view that runs
one indexed query on a 100,000-row table and renders the rows as a table with a template.
"""
