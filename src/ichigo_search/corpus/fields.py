"""What a record's field names mean: ichigo-search's own names in any case, or the names other catalogues use.

A collection exported from another catalogue names its fields otherwise: ``ID``, ``Caption``; Dublin
Core's ``dc:identifier``, ``description``, ``creator``, ``coverage``; a spreadsheet's ``Date Taken``,
``Location``, ``URL``. Such a name is read as the field it stands for (:data:`ALIASES`), so the
collection indexes as it is. A name is compared folded (case, spaces, ``_`` and ``-`` alike, a ``dc:`` or
``dcterms:`` prefix left out). A field's own name wins over its other names, and of those the first
listed; a name no field claims is an extra field, stored as written. A table with a title column and no caption
column under any name (a National Archives export: ``Title`` is the photograph's caption) has its titles as its
captions (:func:`title_as_caption`).
"""

from __future__ import annotations

import re

from ichigo_search.util.memo import Remembered

# Each field's other names, the likelier first: Dublin Core's elements (the archive and library world's common
# export), then the column names of spreadsheets and photo-library exports.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": (
        "identifier",
        "id number",
        "id no",
        "local identifier",
        "record id",
        "item id",
        "photo id",
        "image id",
        "object id",
        "uid",
        "naid",
        "accession number",
        "object number",
        "catalog number",
        "catalogue number",
        "item number",
        "photo number",
        "reference number",
    ),
    "caption": ("description", "caption text", "photo caption", "image caption", "abstract", "summary"),
    "title": ("photo title", "image title", "headline"),
    "places": (
        "coverage",
        "spatial",
        "place",
        "location",
        "locations",
        "place name",
        "place names",
        "geographic location",
        "geographic name",
        "place made",
    ),
    # not "created" alone: an export's "created" is as often when its row was made as when the photograph was
    "date": ("date created", "creation date", "date taken", "date of photograph", "date made", "year"),
    "photographer": ("creator", "author", "artist", "photographed by", "taken by"),
    "source": ("url", "uri", "link", "permalink", "source url", "web address"),
    "collection": ("collection name", "series", "set name"),
}
# The same fields as Japanese and Chinese archives name their columns (Japan Search's and the National Diet Library's
# metadata items, and Chinese and Taiwanese archives' catalogues, in simplified and traditional characters).
CJK_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("整理番号", "資料番号", "識別子", "番号", "编号", "編號", "档号", "檔號", "登录号", "登錄號"),
    "caption": (
        "説明",
        "説明文",
        "キャプション",
        "解説",
        "内容",
        "说明",
        "說明",
        "描述",
        "图片说明",
        "圖片說明",
        "简介",
    ),
    "title": ("タイトル", "題名", "件名", "标题", "標題", "题名"),
    "places": ("撮影地", "場所", "地名", "地点", "地點", "拍摄地点", "拍攝地點"),
    "date": ("撮影日", "撮影年月日", "年月日", "日付", "日期", "拍摄日期", "拍攝日期", "时间", "時間"),
    "photographer": ("撮影者", "摄影者", "攝影者", "摄影师", "攝影師"),
    "source": ("リンク", "出典", "来源", "來源", "链接", "鏈接"),
    "collection": ("コレクション", "資料群", "收藏", "馆藏", "館藏"),
}
ALIASES = {field: (*aliases, *CJK_ALIASES.get(field, ())) for field, aliases in ALIASES.items()}
_NAMED = {alias: field for field, aliases in ALIASES.items() for alias in (field, *aliases)}
_PREFIX_RE = re.compile(r"^(?:dc|dcterms|dct)\s*[:.]\s*")
_SEPARATORS_RE = re.compile(r"[\s_\-]+")
_RENAMES: Remembered[dict[str, str]] = Remembered(256)


def folded(name: str) -> str:
    """A field name as compared: ``Date_Taken``, ``date-taken`` and ``DATE TAKEN`` are ``date taken``."""
    return _SEPARATORS_RE.sub(" ", _PREFIX_RE.sub("", name.strip().casefold())).strip()


def renames(names: tuple[str, ...]) -> dict[str, str]:
    """The names among ``names`` that stand for a field under another name, each with the field's own name.

    A field's own name as written is never renamed; nor is any name when the field already has one.
    """
    return _RENAMES.get(names, lambda: _renames(names))


def _renames(names: tuple[str, ...]) -> dict[str, str]:
    claims: dict[str, list[tuple[int, str]]] = {}  # field -> (rank: 0 its own name, 1.. an alias's place; name)
    for name in names:
        if not isinstance(name, str):
            continue
        key = folded(name)
        field = _NAMED.get(key)
        if field is not None:
            rank = 0 if key == field else 1 + ALIASES[field].index(key)
            claims.setdefault(field, []).append((rank, name))
    found: dict[str, str] = {}
    for field, named in claims.items():
        if field in names:  # the field's own name as written
            continue
        rank, name = min(named)
        found[name] = field
    return found


def title_as_caption(header: list[str]) -> list[str]:
    """A table's column names, its title column named ``caption`` when no column is the caption under any name.

    A catalogue whose only text is a title (the National Archives' exports: ``Title`` is the caption) has its
    titles as captions. A table only: a record of YAML or JSON without a caption is refused, since its caption's
    key may be misspelt.
    """
    claimed = set(header) | set(renames(tuple(header)).values())
    if "caption" in claimed:
        return header
    titles = [(0 if folded(name) == "title" else 1, name) for name in header if _NAMED.get(folded(name)) == "title"]
    if not titles:
        return header
    title = min(titles)[1]
    return ["caption" if name == title else name for name in header]


def with_own_names(raw: dict) -> dict:
    """``raw`` with its fields under their own names (:func:`renames`); ``raw`` itself when none needs one."""
    found = renames(tuple(raw))
    if not found:
        return raw
    return {found.get(key, key): value for key, value in raw.items()}


def other_name(field: str) -> str:
    """A field's likeliest other name, for a message: ``description`` for ``caption``."""
    return ALIASES[field][0]
