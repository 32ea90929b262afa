"""python -m pyharness: see pyharness/cli.py."""
import sys

from .cli import main

sys.exit(main())
