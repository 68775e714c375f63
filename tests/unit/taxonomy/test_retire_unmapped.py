"""``activate --retire-unmapped``: the removed codes a mapping leaves out are retired."""

from __future__ import annotations

import pytest

from learnhub.taxonomy.versions import MappingInvalid, check_mapping, retire_the_unmapped

OLD = ["ACT-1", "ACT-2", "SUP-1", "SUP-2"]
NEW = ["HF-1", "ACT-2"]


def test_every_removed_code_left_out_is_retired_and_the_given_lines_stand() -> None:
    mapping = retire_the_unmapped(OLD, NEW, {" SUP-1 ": ["HF-1"]})

    assert mapping == {"SUP-1": ["HF-1"], "ACT-1": [], "SUP-2": []}
    # Kept ids still carry over by themselves, and the result passes the usual check.
    assert check_mapping(OLD, NEW, mapping) == {
        "ACT-1": [],
        "ACT-2": ["ACT-2"],
        "SUP-1": ["HF-1"],
        "SUP-2": [],
    }


def test_mistakes_in_the_given_lines_are_still_refused() -> None:
    mapping = retire_the_unmapped(OLD, NEW, {"SUP-1": ["HF-9"], "NOPE-1": ["HF-1"]})

    with pytest.raises(MappingInvalid) as caught:
        check_mapping(OLD, NEW, mapping)

    assert set(caught.value.errors) == {"SUP-1", "NOPE-1"}
    assert caught.value.unmapped == ()
