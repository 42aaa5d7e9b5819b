"""``python -m ichigo_search``."""

from ichigo_search.cli import main

main()
