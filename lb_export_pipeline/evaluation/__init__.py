"""Model-run evaluation as tables: label-prediction matches, per-class metrics and confusion.

``runner.evaluate`` is the entry point; ``schemas`` declares the three tables (imported by the
query layer, so this package imports nothing eagerly)."""
