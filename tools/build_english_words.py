"""Build src/ichigo_search/data/english-words.txt: the frequent ordinary English words of a SCOWL word list.

    apt-get download wamerican-small && dpkg-deb -x wamerican-small_*.deb dict
    pip install wordfreq==3.1.1   # only for this tool: word frequencies, not a dependency of the package
    python tools/build_english_words.py dict/usr/share/dict/american-english-small

It is the package's one answer to "is this also an ordinary English word" (``vocab/words.py``). The
thesaurus asks it whether an abbreviation's short form is an ordinary word (*Wash.*, *Ill.*,
*Mass.*, *Miss.*): such a form is matched only where a query writes it with its period, and a long
form typed (*Washington*) does not find it. The gazetteer asks it whether a place's name is an
ordinary word (*Mobile*, *Reading*, *Summit*): such a name is a place only with place context.
The list is SCOWL's size 35 (Debian's ``wamerican-small``: the American words, abbreviations and
contractions of levels 10-35), its words of 2 or more lowercase letters (capitalised entries are
names) that are also *frequent* words: Zipf frequency 4 or more in wordfreq (once in 100,000 words
of running English or more; van Heuven et al. 2014 put the line between low- and high-frequency
words at Zipf 3-4). A rare word that is also a common abbreviation (*col*, a mountain pass; Zipf
3.95, mostly counted as the abbreviation) stays an abbreviation: typing *Colonel* still finds
*Col.*. General English only: no word is chosen by its use in a collection that the tests or
benchmarks search. The output is committed with SCOWL's copyright and permission notice, which its
licence asks to keep with every copy; the notices of all its sources are in
``src/ichigo_search/data/english-words.COPYRIGHT`` (the package's Debian copyright file).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "ichigo_search" / "data" / "english-words.txt"
MIN_LETTERS = 2
# High-frequency words (van Heuven et al. 2014): at least once in 100,000 words of English.
MIN_ZIPF = 4.0


def scowl_notice(package: str) -> str:
    """SCOWL's copyright and permission notice, which its licence asks to keep with every copy of a list made from
    it, for a list from Debian's ``package``."""
    return f"""\
#
# SCOWL is Copyright 2000-2011 by Kevin Atkinson
#
#   Permission to use, copy, modify, distribute and sell these word
#   lists, the associated scripts, the output created from the scripts,
#   and its documentation for any purpose is hereby granted without fee,
#   provided that the above copyright notice appears in all copies and
#   that both that copyright notice and this permission notice appear in
#   supporting documentation. Kevin Atkinson makes no representations
#   about the suitability of this array for any purpose. It is provided
#   "as is" without express or implied warranty.
#
# SCOWL's other sources and their notices (Moby Words II, 12Dicts, WordNet, Ispell, ...):
# english-words.COPYRIGHT beside this file, Debian's copyright file of {package}.
"""


HEADER = """\
# English words of 2 or more lowercase letters from SCOWL (Spell Checker Oriented Word Lists) size 35,
# as Debian's wamerican-small 2020.12.07-2 ships it (/usr/share/dict/american-english-small), that
# are frequent: Zipf frequency >= 4 in wordfreq 3.1.1 (Robyn Speer, data CC BY-SA 4.0; only the
# choice of words is derived from it); made by tools/build_english_words.py. Read by
# vocab/words.py, the package's one notion of an ordinary English word: an abbreviation whose short
# form is listed (Wash, Ill, Mass, Miss) and a place whose name is listed (Mobile, Reading) are
# ordinary words too.
""" + scowl_notice("wamerican-small")


def lowercase_words(wordlist: Path) -> set[str]:
    """A SCOWL list's entries of MIN_LETTERS or more lowercase letters (capitalised entries are names, entries with
    apostrophes possessives)."""
    pattern = re.compile(rf"[a-z]{{{MIN_LETTERS},}}")
    lines = wordlist.read_text(encoding="utf-8").splitlines()
    return {w for w in (line.strip() for line in lines) if pattern.fullmatch(w)}


def write_list(output: Path, header: str, words: list[str]) -> None:
    """Write a word list: its header (notices included), then a word a line."""
    output.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words):,} words written to {output}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("wordlist", type=Path, help="a SCOWL word list, one word a line (american-english-small)")
    args = parser.parse_args(argv)
    from wordfreq import zipf_frequency

    words = sorted(w for w in lowercase_words(args.wordlist) if zipf_frequency(w, "en") >= MIN_ZIPF)
    write_list(OUTPUT, HEADER, words)
    return 0


if __name__ == "__main__":
    sys.exit(main())
