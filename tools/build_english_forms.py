"""Build src/ichigo_search/data/english-forms.txt: every lowercase word of a SCOWL size-50 word list.

    apt-get download wamerican && dpkg-deb -x wamerican_*.deb dict
    python tools/build_english_forms.py dict/usr/share/dict/american-english

Where ``english-words.txt`` (``tools/build_english_words.py``) holds the frequent ordinary words, this list
holds every word English writes in lowercase, with its plurals and inflections (*migrant*, *stockyards*,
*bombers*, *inspecting*): SCOWL's size 50 (Debian's ``wamerican``), its entries of 2 or more lowercase
letters (capitalised entries are names; entries with apostrophes are possessives). The gazetteer asks it
of a text written in capitals (``vocab/capitals.py``): which of its words a writer in mixed case would
have written in lowercase. General English only, chosen by no collection that the tests or benchmarks
search; SCOWL's notices are in ``src/ichigo_search/data/english-words.COPYRIGHT`` (the same Debian
copyright file: ``wamerican`` and ``wamerican-small`` are built from one source).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from build_english_words import lowercase_words, scowl_notice, write_list  # tools/, beside this script

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "ichigo_search" / "data" / "english-forms.txt"
HEADER = """\
# English words of 2 or more lowercase letters from SCOWL (Spell Checker Oriented Word Lists) size 50,
# as Debian's wamerican 2020.12.07-2 ships it (/usr/share/dict/american-english); made by
# tools/build_english_forms.py. Read by vocab/words.py: the words a text written in capitals would have
# in lowercase (vocab/capitals.py).
""" + scowl_notice("wamerican")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wordlist", type=Path, help="a SCOWL word list, one word a line (american-english)")
    args = parser.parse_args(argv)
    write_list(OUTPUT, HEADER, sorted(lowercase_words(args.wordlist)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
