"""``python -m ichigo_search``."""

from .cli import main

main()
