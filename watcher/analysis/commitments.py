"""Which units are commitments, how strong, by whom and on what.

A commitment is a unit in which the parties commit, agree, decide, intend, reaffirm, confirm,
welcome or express concern (the cues and their ranks live in watcher/data/commitments.toml).
The first sentence of a list item that has no such verb takes the verb and actors of the lead-in
it continues ("they committed to advance the following: - ..."); an item that names no topic
takes the lead-in's topics, because it is about the lead-in's subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from watcher.analysis.matching import Matcher, match_form
from watcher.analysis.segment import Unit
from watcher.analysis.statement import Commitment
from watcher.analysis.taxonomy import Taxonomy
from watcher.data import load_toml


@dataclass(frozen=True, slots=True)
class Lexicon:
    strengths: Matcher
    ranks: dict[str, int]
    parties: Matcher
    joint: Matcher
    others: Matcher
    both: str


@cache
def lexicon() -> Lexicon:
    data = load_toml("commitments.toml")
    regexes = {s["id"]: [*s.get("en", []), *s.get("ja", [])] for s in data["strengths"]}
    actors = data["actors"]
    return Lexicon(
        strengths=Matcher.from_regexes(regexes),
        ranks={s["id"]: int(s["rank"]) for s in data["strengths"]},
        parties=Matcher.from_phrases({p["id"]: p["en"] + p["ja"] for p in actors["party"]}),
        joint=Matcher.from_phrases({actors["both"]: actors["joint"]["en"] + actors["joint"]["ja"]}),
        others=Matcher.from_phrases({o["id"]: o["en"] + o["ja"] for o in actors["other"]}),
        both=actors["both"],
    )


def rank(strength: str) -> int:
    return lexicon().ranks.get(strength, 0)


def strength_of(form: str, matcher: Matcher | None = None) -> str | None:
    """The highest-ranked commitment cue in a unit (in match form), or None."""
    lex = lexicon()
    found = (matcher or lex.strengths).labels(form)
    if not found:
        return None
    return max(found, key=lambda s: (lex.ranks.get(s, 0), -found.index(s)))


def parties_of(
    form: str, parties: Matcher | None = None, joint: Matcher | None = None
) -> tuple[str, ...]:
    """("both",), ("DOC",), ("METI",) or () when the unit names neither party."""
    lex = lexicon()
    named = set((parties or lex.parties).labels(form))
    if (joint or lex.joint).labels(form) or len(named) >= 2:
        return (lex.both,)
    return tuple(sorted(named))


@dataclass(frozen=True, slots=True)
class Tagged:
    """A unit with what was read from it."""

    unit: Unit
    topics: tuple[str, ...]
    commitment: Commitment | None


def tag_units(units: Sequence[Unit], taxonomy: Taxonomy) -> list[Tagged]:
    lex = lexicon()
    forms = [match_form(u.text) for u in units]
    # Cues absent from the whole document are dropped once, not tried on every sentence.
    whole = "\n".join(forms)
    tag = taxonomy.tagger(whole)
    strengths = lex.strengths.restrict(whole)
    party_names, joint_names = lex.parties.restrict(whole), lex.joint.restrict(whole)
    other_names = lex.others.restrict(whole)
    own_topics = [tag(f) for f in forms]
    own_strength = [strength_of(f, strengths) for f in forms]
    own_parties = [parties_of(f, party_names, joint_names) for f in forms]
    out: list[Tagged] = []
    context: tuple[str, ...] = (lex.both,)  # a joint statement speaks for both by default
    for i, unit in enumerate(units):
        lead = unit.lead_in
        strength = own_strength[i]
        parties = own_parties[i]
        topics = own_topics[i]
        inherited = False
        if strength is None and lead is not None and unit.first and own_strength[lead]:
            strength, inherited = own_strength[lead], True
        if lead is not None and unit.kind == "item" and not topics:
            topics = own_topics[lead]
        if not parties:
            parties = own_parties[lead] if inherited and own_parties[lead] else context
        else:
            context = parties
        commitment = None
        if strength is not None:
            commitment = Commitment(
                text=unit.text,
                topics=topics,
                actors=parties + tuple(a for a in other_names.labels(forms[i]) if a not in parties),
                strength=strength,
                lead_in=units[lead].text if inherited and lead is not None else None,
            )
        out.append(Tagged(unit, topics, commitment))
    return out
