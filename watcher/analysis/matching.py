"""Phrase matching shared by the taxonomy, the strength cues and the actor names.

Latin phrases must stand as words and may take a plural ending; hyphens count as spaces, so
"supply-chain" and "supply chain" match alike. Japanese phrases match anywhere, with "・" ignored
("重要・新興技術" = "重要新興技術"). Where matches of different labels overlap, the longest wins,
so "Indo-Pacific Economic Framework" is IPEF and not also "Indo-Pacific".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from watcher.textnorm import fold

_HYPHENS = re.compile(r"[-‐]")


def match_form(text: str) -> str:
    """The form both texts and phrases take before matching."""
    return _HYPHENS.sub(" ", fold(text)).replace("・", "")


def phrase_pattern(phrase: str) -> str:
    form = match_form(phrase)
    body = re.escape(form).replace(r"\ ", r"\s+")
    if not form.isascii():
        return body
    if len(form) > 2 and form.endswith("y") and form[-2] not in "aeiou":
        body = body[:-1] + "(?:y|ies)"
    elif form[-1:].isalpha():
        body += "(?:s|es)?"
    return rf"(?<![a-z0-9]){body}(?![a-z0-9])"


@dataclass(frozen=True, slots=True)
class Matcher:
    """Finds labelled phrases (or regexes) in text that is already in `match_form`."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def from_phrases(cls, phrases: Mapping[str, Iterable[str]]) -> Matcher:
        return cls.from_regexes(
            {label: [phrase_pattern(p) for p in ps] for label, ps in phrases.items()}
        )

    @classmethod
    def from_regexes(cls, regexes: Mapping[str, Iterable[str]]) -> Matcher:
        compiled = []
        for label, pats in regexes.items():
            alts = sorted(set(pats), key=len, reverse=True)
            if alts:
                compiled.append((label, re.compile("|".join(f"(?:{a})" for a in alts))))
        return cls(tuple(compiled))

    def spans(self, form: str) -> list[tuple[int, int, str]]:
        """(start, end, label) of the longest non-overlapping matches, in text order."""
        found = [
            (m.start(), m.end(), label)
            for label, pattern in self.patterns
            for m in pattern.finditer(form)
        ]
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
