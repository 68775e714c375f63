"""The development audit key (made once, 0600, in the instance folder) and the anchor file
(written whole, never replaced by an older anchor, and read back exactly)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from flask import Flask

from config import ConfigError
from learnhub.audit import anchors, keys
from learnhub.audit.anchors import Anchor, AnchorInvalid, read_anchor_file, write_anchor_file


def test_a_development_key_is_made_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    app = Flask("keyed", instance_path=str(tmp_path))
    app.config["AUDIT_KEY"] = None
    keys.init_app(app)
    key_file = tmp_path / keys.KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["AUDIT_KEY"] == key_file.read_text().strip()
    assert len(app.config["AUDIT_KEY"]) == 64
    again = Flask("keyed", instance_path=str(tmp_path))
    again.config["AUDIT_KEY"] = None
    keys.init_app(again)
    assert again.config["AUDIT_KEY"] == app.config["AUDIT_KEY"]
    assert [p.name for p in tmp_path.iterdir()] == [keys.KEY_FILE_NAME]  # nothing left aside


def test_a_key_set_in_the_environment_is_used_and_no_file_is_made(tmp_path: Path) -> None:
    app = Flask("keyed", instance_path=str(tmp_path))
    app.config["AUDIT_KEY"] = "k" * 40
    keys.init_app(app)
    assert app.config["AUDIT_KEY"] == "k" * 40
    assert list(tmp_path.iterdir()) == []


def test_an_empty_key_file_stops_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / keys.KEY_FILE_NAME).write_text("")
    with pytest.raises(ConfigError, match="is empty"):
        keys.load_or_create_key_file(tmp_path / keys.KEY_FILE_NAME)


def test_previous_keys_still_verify_and_each_key_has_its_own_id() -> None:
    ring = keys.key_ring("new-key-" + "n" * 32, "old-key-" + "o" * 32 + ", older-" + "p" * 32)
    assert ring.current_id == keys.key_id(ring.current)
    assert len(ring.known) == 3
    assert (
        ring.known[keys.key_id(("old-key-" + "o" * 32).encode())]
        == ("old-key-" + "o" * 32).encode()
    )


def test_an_anchor_folder_that_cannot_be_written_stops_start_up(tmp_path: Path) -> None:
    app = Flask("anchored")
    app.config["AUDIT_ANCHOR_FILE"] = str(tmp_path / "no-such-folder" / "audit-anchor")
    with pytest.raises(ConfigError, match="LEARNHUB_AUDIT_ANCHOR_FILE must be in a folder"):
        anchors.init_app(app)


def test_an_older_anchor_written_late_does_not_replace_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "audit-anchor"
    newer, older = Anchor(12, 11, "b" * 64), Anchor(10, 9, "a" * 64)
    write_anchor_file(path, newer)
    write_anchor_file(path, older)
    assert read_anchor_file(path) == newer
    assert path.read_text() == f"12:11:{'b' * 64}\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # made to be copied elsewhere
    assert [p.name for p in tmp_path.iterdir()] == ["audit-anchor"]


def test_a_damaged_anchor_file_is_replaced_by_a_true_one(tmp_path: Path) -> None:
    path = tmp_path / "audit-anchor"
    path.write_text("garbage")
    with pytest.raises(AnchorInvalid):
        read_anchor_file(path)
    write_anchor_file(path, Anchor(3, 3, "c" * 64))
    assert read_anchor_file(path) == Anchor(3, 3, "c" * 64)


@pytest.mark.parametrize(
    "value", ["", "12:11", "12:11:" + "g" * 64, "12:11:" + "a" * 63, "-1:1:" + "a" * 64]
)
def test_a_malformed_anchor_value_is_refused(value: str) -> None:
    with pytest.raises(AnchorInvalid):
        Anchor.parse(value)


def test_an_anchor_reads_back_from_its_printed_form() -> None:
    anchor = Anchor(1234, 1230, "9f" * 32)
    assert Anchor.parse(f"  {str(anchor).upper()}\n") == anchor
