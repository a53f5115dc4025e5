"""The domain core of lift dynamorm: models, tables, comparison, planning.

Nothing under this package imports click, rich or questionary (tests/unit/test_layering.py).
"""
