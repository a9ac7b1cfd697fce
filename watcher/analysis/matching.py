"""Phrase matching shared by the taxonomy, the strength cues and the actor names.

Latin phrases must stand as words and may take a plural ending; hyphens count as spaces, so
"supply-chain" and "supply chain" match alike. Japanese phrases match anywhere, with "・" ignored
("重要・新興技術" = "重要新興技術"). Alternatives are tried longest first, so "Indo-Pacific
Economic Framework" is IPEF and not also "Indo-Pacific".

All phrases of a matcher go into one regex without look-arounds, so the regex engine can skip
ahead on the phrases' first characters; word boundaries are checked on the few hits instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from watcher.textnorm import fold, is_word_char

_HYPHENS = re.compile(r"[-‐]")


def match_form(text: str) -> str:
    """The form both texts and phrases take before matching."""
    return _HYPHENS.sub(" ", fold(text)).replace("・", "")


def phrase_pattern(phrase: str) -> tuple[str, bool]:
    """(regex, must stand as a word) for one cue phrase."""
    form = match_form(phrase)
    body = re.escape(form).replace(r"\ ", r"\s+")
    if not form.isascii():
        return body, False
    if len(form) > 2 and form.endswith("y") and form[-2] not in "aeiou":
        body = body[:-1] + "(?:y|ies)"
    elif form[-1:].isalpha():
        body += "(?:s|es)?"
    return body, True


class Matcher:
    """Finds labelled phrases (or regexes) in text that is already in `match_form`."""

    def __init__(self, entries: Iterable[tuple[str, str, bool, str]]) -> None:
        # (label, regex, must stand as a word, literal every match contains or "")
        self._entries = tuple(
            (label, re.compile(rx), bounded, needle)
            for label, rx, bounded, needle in dict.fromkeys(entries)
        )

    def restrict(self, form: str) -> Matcher:
        """A matcher with only the phrases that can occur in `form` (a whole document), so
        that matching its sentences one by one skips the rest."""
        sub = Matcher(())
        sub._entries = tuple(e for e in self._entries if not e[3] or e[3] in form)
        return sub

    @classmethod
    def from_phrases(cls, phrases: Mapping[str, Iterable[str]]) -> Matcher:
        entries = []
        for label, ps in phrases.items():
            for p in ps:
                if p.strip():
                    rx, bounded = phrase_pattern(p)
                    entries.append((label, rx, bounded, _needle(p, bounded)))
        return cls(entries)

    @classmethod
    def from_regexes(cls, regexes: Mapping[str, Iterable[str]]) -> Matcher:
        return cls(
            (label, rx, False, _regex_needle(rx)) for label, rxs in regexes.items() for rx in rxs
        )

    def spans(self, form: str) -> list[tuple[int, int, str]]:
        """(start, end, label) of the longest non-overlapping matches, in text order."""
        found = []
        for label, pattern, bounded, needle in self._entries:
            # A plain substring test rules out most phrases far faster than the regex would.
            if needle and needle not in form:
                continue
            for m in pattern.finditer(form):
                start, end = m.span()
                if bounded and (
                    (start > 0 and is_word_char(form[start - 1]))
                    or (end < len(form) and is_word_char(form[end]))
                ):
                    continue
                found.append((start, end, label))
        if len(found) > 1:
            found.sort(key=lambda s: (s[0] - s[1], s[0]))
            kept: list[tuple[int, int, str]] = []
            for span in found:
                if all(span[1] <= k[0] or k[1] <= span[0] for k in kept):
                    kept.append(span)
            found = kept
            found.sort()
        return found

    def labels(self, form: str) -> list[str]:
        """Labels found, in order of first appearance, without repeats."""
        return list(dict.fromkeys(label for _, _, label in self.spans(form)))


def _needle(phrase: str, bounded: bool) -> str:
    tokens = match_form(phrase).split(" ")
    longest = max(tokens, key=len)
    # The last word may take a plural ending ("dependency" -> "dependencies").
    return longest[:-1] if bounded and longest is tokens[-1] else longest


_LEADING_LITERAL = re.compile(r"(?:\\b)?([^\\()\[\]{}?*+|.^$]{3,})")


def _regex_needle(rx: str) -> str:
    """The literal a regex's every match starts with ("\\bcommit(?:s|ted)?" -> "commit"), or ""
    when it has none of three characters or more (then the regex is always tried)."""
    m = _LEADING_LITERAL.match(rx)
    if not m:
        return ""
    literal = m.group(1)
    if rx[m.end() : m.end() + 1] in ("?", "*", "{"):
        literal = literal[:-1]  # "concurr?" only promises "concur"
    return literal if len(literal) >= 3 else ""
