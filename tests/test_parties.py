"""Whose dialogue a bare name is: countries named in a release's title and lead, by name or by an
office only one country has."""

from __future__ import annotations

from watcher.parties import countries_introduced, countries_named
from watcher.series import load_catalog
from watcher.textnorm import fold


def folded(*paragraphs: str) -> str:
    # As detection folds a release: paragraph by paragraph, title first.
    return "\n\n".join(fold(p) for p in paragraphs)


def test_offices_name_their_country() -> None:
    assert countries_named(fold("Secretary of Commerce Raimondo met the METI Minister")) == {
        "us",
        "jp",
    }
    assert countries_named(fold("レモンド商務長官と萩生田経済産業大臣")) == {"us", "jp"}


def test_an_office_of_the_same_words_elsewhere_is_not_taken() -> None:
    # The UK's "Secretary of State for ..." is not the U.S. Secretary of State.
    assert countries_named(fold("the Secretary of State for Business and Trade")) == set()
    assert "us" in countries_named(fold("Secretary of State Blinken"))


def test_the_parties_are_read_where_the_dialogue_is_introduced() -> None:
    text = folded(
        "Japan-Australia ministers",
        "Today we held the Economic 2+2 with Australia.",
        "More text.",
        "QUESTION: What about the United States?",
    )
    assert countries_introduced(text) == {"jp", "au"}
    # A lead that names no country: the whole text tells.
    lead_silent = folded("Remarks", "Welcome.", "Thank you.", "Thanks to Japan.")
    assert countries_introduced(lead_silent) == {"jp"}


def test_a_bare_economic_2plus2_between_offices_of_both_countries_is_the_epcc() -> None:
    catalog = load_catalog()
    ours = folded(
        "Secretary of Commerce Raimondo and the Minister of Economy, Trade and Industry",
        "Welcome to the first meeting of the Economic 2+2.",
        "QUESTION: And China?",
    )
    theirs = folded(
        "Foreign Minister Kamikawa",
        "Today we held the Economic 2+2 with Australian Foreign Minister Wong.",
        "Next steps.",
        "QUESTION: Did you discuss the United States?",
    )
    assert {o.series for o in catalog.own_occurrences(ours)} == {"epcc"}
    assert catalog.own_occurrences(theirs) == []
