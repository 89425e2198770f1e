"""The shared source sets parse with the API's schemas and name real catalogue items."""

from __future__ import annotations

import pytest

from tests.support.sets import SET_NAMES, SETS_DIR, load_set
from vpr_jobs.catalogue import build_catalogue


def test_every_set_folder_is_listed() -> None:
    assert sorted(p.name for p in SETS_DIR.iterdir() if p.is_dir()) == sorted(SET_NAMES)


@pytest.mark.parametrize("name", SET_NAMES)
def test_set_parses_and_its_strongest_achievement_is_a_catalogue_achievement(name: str) -> None:
    source = load_set(name)
    catalogue = build_catalogue(source.cv, source.posting, source.gaps)
    item = catalogue.get(source.about.strongest_achievement)
    assert item is not None and item.kind == "achievement"
    assert source.posting.language == source.about.language


# ld_manager is the older, thinner sample copied verbatim from tests/fixtures.
@pytest.mark.parametrize("name", [name for name in SET_NAMES if name != "ld_manager"])
def test_set_is_dense_enough_to_trap_a_generator(name: str) -> None:
    source = load_set(name)
    assert 3 <= len(source.cv.experience) <= 5
    assert all(2 <= len(exp.achievements) <= 5 for exp in source.cv.experience)
    assert source.cv.education and source.cv.certifications and source.cv.languages
    assert 4 <= len(source.posting.requirements) <= 8
    assert 3 <= len(source.posting.responsibilities) <= 6
    assert 2 <= len(source.posting.nice_to_have) <= 4
    assert any(char.isdigit() for char in source.posting.description)
    assert 2 <= len(source.gaps) <= 4


def test_unknown_set_is_named_in_the_error() -> None:
    with pytest.raises(KeyError, match="no_such_set"):
        load_set("no_such_set")
