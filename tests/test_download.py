"""Downloads of the official files, exercised offline on file:// URLs: hash checks, skipping what is
already there, atomic writes, and the offline refusal of real URLs."""

import hashlib
import re

import pytest

from biss_helpers import download
from biss_helpers.download import ChecksumError, Source, fetch

PAYLOAD = "id\ttesto\n1\tUna frase di prova, con accenti: è à ù.\n".encode()
GOOD = hashlib.sha256(PAYLOAD).hexdigest()


@pytest.fixture
def served(tmp_path):
    """A file published at a file:// URL, and an empty download folder."""
    origin = tmp_path / "origin" / "train.tsv"
    origin.parent.mkdir()
    origin.write_bytes(PAYLOAD)
    return origin.as_uri(), tmp_path / "downloads"


def leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.name.endswith(".part")]


def test_right_hash_downloads_into_the_official_layout(served, capsys, offline):
    url, folder = served
    paths = fetch(Source(url, GOOD, ("acti_a",), "test", "sub dir/train.tsv"), folder)
    assert paths == [folder / "sub dir" / "train.tsv"]
    assert paths[0].read_bytes() == PAYLOAD and not leftovers(folder)
    assert "downloaded sub dir/train.tsv" in capsys.readouterr().out


def test_wrong_hash_is_an_error_and_leaves_no_file(served, offline):
    url, folder = served
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as error:
        fetch(Source(url, wrong, (), "", "train.tsv"), folder)
    message = str(error.value)
    assert "train.tsv" in message and wrong in message and GOOD in message
    assert not (folder / "train.tsv").exists() and not leftovers(folder)


def test_present_with_right_hash_is_skipped(served, capsys, offline):
    url, folder = served
    source = Source(url, GOOD, (), "", "train.tsv")
    fetch(source, folder)
    mtime = (folder / "train.tsv").stat().st_mtime_ns
    capsys.readouterr()
    # Skipping needs no network: even an unreachable URL is never opened.
    unreachable = Source("https://example.invalid/train.tsv", GOOD, (), "", "train.tsv")
    assert fetch([unreachable], folder) == [folder / "train.tsv"]
    assert (folder / "train.tsv").stat().st_mtime_ns == mtime
    assert "already present: train.tsv (sha256 ok)" in capsys.readouterr().out


def test_present_with_wrong_hash_is_downloaded_again(served, capsys, offline):
    url, folder = served
    folder.mkdir()
    (folder / "train.tsv").write_bytes(b"corrupted")
    fetch(Source(url, GOOD, (), "", "train.tsv"), folder)
    assert (folder / "train.tsv").read_bytes() == PAYLOAD
    assert "hash differs" in capsys.readouterr().out


def test_a_bad_download_replaces_no_good_name(served, offline):
    """A present file with the wrong hash is removed when the new download fails its check too."""
    url, folder = served
    folder.mkdir()
    (folder / "train.tsv").write_bytes(b"corrupted")
    with pytest.raises(ChecksumError):
        fetch(Source(url, "f" * 64, (), "", "train.tsv"), folder)
    assert not (folder / "train.tsv").exists() and not leftovers(folder)


def test_unpinned_hash_is_printed_so_it_can_be_pinned(served, capsys, offline):
    url, folder = served
    fetch(Source(url, None, (), "", "train.tsv"), folder)
    assert f"sha256 not pinned: got {GOOD}" in capsys.readouterr().out
    fetch(Source(url, None, (), "", "train.tsv"), folder)
    assert f"already present: train.tsv (sha256 not pinned: {GOOD})" in capsys.readouterr().out


def test_offline_refuses_http_and_points_at_the_samples(tmp_path, offline):
    with pytest.raises(RuntimeError, match=r"offline mode \(BISS_OFFLINE=1\).*synthetic samples"):
        fetch("wicita", tmp_path)
    assert not any(tmp_path.iterdir())


def test_missing_file_url_names_the_file(tmp_path, offline):
    source = Source((tmp_path / "nowhere.tsv").as_uri(), None, (), "", "nowhere.tsv")
    with pytest.raises(RuntimeError, match="nowhere.tsv: could not download"):
        fetch(source, tmp_path / "out")


def test_unknown_source_lists_the_known_ones(tmp_path):
    with pytest.raises(KeyError, match="wicita"):
        fetch("haspeede", tmp_path)


def test_sources_are_well_formed():
    paths = []
    for name, sources in download.SOURCES.items():
        assert sources, name
        for source in sources:
            assert source.url.startswith("https://raw.githubusercontent.com/"), source.url
            assert " " not in source.url and source.licence and source.tasks
            assert source.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", source.sha256)
            assert not source.path.startswith("/") and ".." not in source.path
            paths.append((name, source.path))
            assert set(source.tasks) <= {"wicita_1", "wicita_2", "discotex_1", "discotex_2",
                                         "emotivita", "nermud"}
    assert len(paths) == len(set(paths))
    assert {"wicita", "discotex", "emotivita", "nermud"} <= set(download.SOURCES)


# Local file name -> the copy of the released file in ../shared/evalita/real/, to check the pins.
REAL = {"wicita": "wicita", "discotex": "discotex", "nermud": "nermud"}


@pytest.mark.parametrize("name", sorted(REAL))
def test_pinned_hashes_match_the_released_files(name, shared_dir):
    real = shared_dir / "evalita" / "real" / REAL[name]
    for source in download.SOURCES[name]:
        assert source.sha256, source.path
        assert download.sha256(real / source.path) == source.sha256, source.path


def test_fetch_from_the_released_copies(shared_dir, tmp_path, capsys, offline):
    """The real WiC-ITA files, served as file:// URLs, go through fetch with their pinned hashes."""
    real = shared_dir / "evalita" / "real" / "wicita"
    sources = [Source((real / s.path).as_uri(), s.sha256, s.tasks, s.licence, s.path)
               for s in download.SOURCES["wicita"]]
    paths = fetch(sources, tmp_path)
    assert [p.read_bytes() for p in paths] == [(real / s.path).read_bytes() for s in sources]
