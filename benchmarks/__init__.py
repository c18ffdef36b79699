"""smsbridge benchmarks: the framework's cost against hand-written ``requests`` loops.

Run ``.venv/bin/python benchmarks/run.py`` (see ``benchmarks/README.md``).
"""
