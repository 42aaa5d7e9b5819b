"""Highlighted fragments: the best passages of a caption with every matched term marked.

A token is marked when its stem, or its folded spelling, is one the query
looked for, so ``running`` is marked for the query ``run`` and ``Ichi-gō`` for
``ichigo``.  Fragments are HTML: matches in ``<mark>``, everything else escaped.
"""

from __future__ import annotations

import html
import re

from ichigo_search.text.analysis import analyze, stem

FRAGMENT_CHARS = 200
# Captions up to this length are shown whole.
WHOLE_TEXT_CHARS = 320
MAX_FRAGMENTS = 3
ELLIPSIS = "…"
_MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)


def match_spans(
    text: str,
    stems: set[str],
    forms: set[str],
    extra_spans: list[tuple[int, int]] | None = None,
    phrases: set[tuple[str, ...]] | frozenset = frozenset(),
) -> list[tuple[int, int]]:
    """Character spans of the tokens of ``text`` that the query matched (plus ``extra_spans``), merged.

    A phrase (a tuple of stems) is marked only where its words follow one another.
    """
    terms = analyze(text, stemming=False, indexed=True)  # an English word marks the Chinese word it translates
    spans = [(t.start, t.end) for t in terms if t.text in forms or stem(t.text) in stems]
    if phrases:
        by_pos: dict[int, list] = {}
        for term in terms:
            by_pos.setdefault(term.pos, []).append(term)
        for phrase in phrases:
            for term in terms:
                if stem(term.text) != phrase[0]:
                    continue
                chain = [term]
                for offset, wanted in enumerate(phrase[1:], 1):
                    following = [t for t in by_pos.get(term.pos + offset, []) if stem(t.text) == wanted]
                    if not following:
                        break
                    chain.append(following[0])
                if len(chain) == len(phrase):
                    spans.append((chain[0].start, chain[-1].end))
    spans = sorted(spans + list(extra_spans or []))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out: list[str] = [ELLIPSIS] if start > 0 else []
    cursor = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[cursor:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    if end < len(text):
        out.append(ELLIPSIS)
    return "".join(out).strip()


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Move a window's edges to word boundaries."""
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 25 else start
    if end < len(text):
        space = text.find(" ", end)
        end = space if space >= 0 and space - end < 25 else end
    return start, end


def fragments(
    text: str,
    stems: set[str],
    forms: set[str],
    *,
    max_fragments: int = MAX_FRAGMENTS,
    fragment_chars: int = FRAGMENT_CHARS,
    always: bool = True,
    extra_spans: list[tuple[int, int]] | None = None,
    phrases: set[tuple[str, ...]] | frozenset = frozenset(),
) -> list[str]:
    """The best passages of ``text`` with matches marked (HTML).

    With ``always`` a text without matches still yields its opening passage.
    """
    if not text:
        return []
    spans = match_spans(text, stems, forms, extra_spans, phrases)
    if not spans:
        if not always:
            return []
        end = len(text) if len(text) <= WHOLE_TEXT_CHARS else _snap(text, 0, fragment_chars)[1]
        return [_render(text, 0, end, [])]
    if len(text) <= max(fragment_chars, WHOLE_TEXT_CHARS):
        return [_render(text, 0, len(text), spans)]
    lead = fragment_chars // 4
    candidates = []
    for s, _ in spans:
        start = max(0, s - lead)
        end = min(len(text), start + fragment_chars)
        start = max(0, min(start, end - fragment_chars))
        inside = [text[a:b].casefold() for a, b in spans if a >= start and b <= end]
        candidates.append((len(set(inside)), len(inside), -start, start, end))
    candidates.sort(reverse=True)
    chosen: list[tuple[int, int]] = []
    for *_, start, end in candidates:
        if all(end <= a or start >= b for a, b in chosen):
            chosen.append((start, end))
        if len(chosen) == max_fragments:
            break
    chosen.sort()
    return [_render(text, *_snap(text, start, end), spans) for start, end in chosen]


def to_terminal(fragment: str, start_mark: str, end_mark: str) -> str:
    """Turn an HTML fragment into plain text with the given markers around matches."""
    marked = _MARK_RE.sub(lambda m: f"\0{m.group(1)}\1", fragment)
    return html.unescape(marked).replace("\0", start_mark).replace("\1", end_mark)


def plain(fragment: str) -> str:
    """The text of a fragment, without marks or escapes."""
    return to_terminal(fragment, "", "")


def split_title(title: str | None, fragments: list[str]) -> tuple[str | None, list[str]]:
    """A hit's title with its matches marked, when its fragments begin with it (then left out of them); else None."""
    if title and fragments and plain(fragments[0]) == title:
        return fragments[0], fragments[1:]
    return None, fragments
