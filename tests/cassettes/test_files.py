"""Files a user points at (cassettes, corpora, baselines) are read only when they are
regular files of a bounded size: a FIFO or a link to a device is refused, never waited on."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from contract import run
from contract.baseline import load_baseline, read_file_bytes
from contract.cassettes import CASSETTE_FILE, CORPUS_FILE, load_corpus, replay_transport
from contract.config import Config
from contract.errors import CassetteError

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _zero(path: Path) -> Path:
    if not Path("/dev/zero").exists():
        pytest.skip("needs /dev/zero")
    path.symlink_to("/dev/zero")
    return path


MAKERS: dict[str, Callable[[Path], Path]] = {"fifo": _fifo, "dev-zero link": _zero}
KINDS = {"fifo": "a named pipe (FIFO)", "dev-zero link": "a character device"}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_baseline_that_is_no_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    # Given a baseline path that would hang (a FIFO nobody writes) or never end (/dev/zero)
    path = MAKERS[kind](tmp_path / "baseline.json")

    # When it is loaded, directly or by a run, Then each refuses it in one line (exit 2)
    with pytest.raises(CassetteError) as refused:
        load_baseline(path)
    assert KINDS[kind] in str(refused.value) and refused.value.exit_code == 2
    with pytest.raises(CassetteError, match="not a regular file"):
        list(run(Config(baseline=path)))


def test_a_link_names_where_it_leads(tmp_path: Path) -> None:
    path = _zero(tmp_path / "baseline.json")
    with pytest.raises(CassetteError, match="a link to /dev/zero"):
        load_baseline(path)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_cassette_that_is_no_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    MAKERS[kind](tmp_path / CASSETTE_FILE)
    with pytest.raises(CassetteError, match="not a regular file"):
        replay_transport(tmp_path)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_a_corpus_that_is_no_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    (tmp_path / CASSETTE_FILE).write_text("interactions: []\n")
    MAKERS[kind](tmp_path / CORPUS_FILE)
    with pytest.raises(CassetteError):
        load_corpus(tmp_path)


def test_a_file_past_the_bound_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_bytes(b" " * 2048)
    with pytest.raises(CassetteError, match="more than 1,024 bytes"):
        read_file_bytes(path, limit=1024)
    assert read_file_bytes(path, limit=2048) == b" " * 2048
