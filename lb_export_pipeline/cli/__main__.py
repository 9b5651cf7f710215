"""`python -m lb_export_pipeline.cli`."""

from . import main

if __name__ == "__main__":  # importing this module (the import test does) must not run the CLI
    main()
