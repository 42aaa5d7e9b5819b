"""Numbers written in Chinese and Japanese characters: 十四 is 14, 三十三 is 33, 一九四四 is 1944, 第十四 the 14th."""

from __future__ import annotations

import re

_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "两": 2, "兩": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_MYRIADS = {"万": 10_000, "萬": 10_000}
_CHARS = "".join([*_DIGITS, *_UNITS, *_MYRIADS])
# A number written so: an ordinal (第 and a number), or two characters or more. Two alone that is not one is left as
# written (一些, some; 十分, very: :func:`number_gloss` reads only a number with a unit inside or four digits).
NUMERAL_RE = re.compile(f"第[{_CHARS}]+|[{_CHARS}]{{2,}}")


def cjk_number(text: str) -> int | None:
    """The value of a number in Chinese or Japanese characters (十四, 三十三, 二千五百, 一九四四), or None."""
    if not text or any(c not in _DIGITS and c not in _UNITS and c not in _MYRIADS for c in text):
        return None
    if not any(c in _UNITS or c in _MYRIADS for c in text):  # digit by digit, as a year is written: 一九四四
        return int("".join(str(_DIGITS[c]) for c in text))
    total = section = 0
    digit: int | None = None
    for char in text:
        if char in _DIGITS:
            if digit is not None:
                return None  # two digits in a row inside a number of units: not one number
            digit = _DIGITS[char]
        elif char in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            total += (section + (digit or 0)) * _MYRIADS[char]
            section, digit = 0, None
    return total + section + (digit or 0)


def ordinal_suffix(n: int) -> str:
    """``1`` -> ``1st``, ``12`` -> ``12th``, ``22`` -> ``22nd``."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def number_gloss(text: str) -> str | None:
    """What a number in characters reads as in English words of the index: 第十四 ``14th``, 三十三 ``33``; None
    for characters that are no number read so (a digit alone, two digits without a unit: 一一, 三四)."""
    ordinal = text.startswith("第")
    digits = text[1:] if ordinal else text
    plain = not any(c in _UNITS or c in _MYRIADS for c in digits)
    if not ordinal and plain and len(digits) != 4:
        return None
    value = cjk_number(digits)
    if value is None or (ordinal and value == 0):
        return None
    return ordinal_suffix(value) if ordinal else str(value)
