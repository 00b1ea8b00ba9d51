"""Download the official files of the EVALITA 2023 tasks whose organisers published them on GitHub.

WiC-ITA (``wic-ita/data``), DisCoTex (``davidecolla/DisCoTex``), EmotivITA (``GiovanniGafa/EmoITA``)
and NERMuD/KIND (``dhfbk/KIND``). URLs are raw.githubusercontent.com files, pinned to the commit
whose content was checked where one was; every file is checked against its SHA-256, so a changed
file upstream is an error, not silently different data. The hashes were computed (``sha256sum``)
on byte-for-byte copies of the released files (WiC-ITA, DisCoTex, NERMuD). Files nobody could hash
here (EmotivITA, the KIND ``dataset/`` files) have ``sha256=None``: they are downloaded, and the hash
obtained is printed so that an instructor can pin it in `SOURCES`.

Offline (``BISS_OFFLINE=1``) nothing is downloaded: the labs use the synthetic samples of
``biss_helpers/data/evalita/`` instead (`tasks.sources.load_samples`). ``file://`` URLs still work (tests).

>>> paths = fetch("wicita", "data/wicita")   # doctest: +SKIP
downloaded binary/train.jsonl (1415065 bytes, sha256 ok)
...
>>> fetch("wicita", "data/wicita")           # doctest: +SKIP
already present: binary/train.jsonl (sha256 ok)
...
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import env


@dataclass(frozen=True)
class Source:
    """One official file: where it comes from, its expected SHA-256 (None: not pinned yet), the
    registry tasks that read it, its licence, and where it goes under the download folder."""

    url: str
    sha256: str | None
    tasks: tuple[str, ...]
    licence: str
    path: str   # relative destination: the official layout (e.g. ``binary/train.jsonl``)


class ChecksumError(ValueError):
    """A downloaded file does not have the pinned SHA-256."""


def _github(repo: str, ref: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{ref}/{urllib.parse.quote(path)}"


def _repo(repo: str, prefix: str, tasks: tuple[str, ...], licence: str,
          files: dict[str, tuple[str, str | None]], moved: dict[str, str] | None = None) -> list[Source]:
    """Sources of one repository: `files` maps a local path (the official layout) to (commit or
    branch, sha256 or None); the file is at `prefix` + local path in the repo unless `moved` says
    otherwise. Full commit SHAs, not branches, where the content was checked: a commit never changes."""
    moved = moved or {}
    return [Source(_github(repo, ref, moved.get(local, prefix + local)), sha, tasks, licence, local)
            for local, (ref, sha) in files.items()]


_NO_LICENCE = "no licence stated by the organisers: research use, cite the task paper"
_NC = "CC BY-NC 4.0 (De Gasperi files: CC BY-NC-SA 4.0)"
_WIC_DATA, _WIC_TEST, _WIC_GOLD = ("795602ad82629b3908e37edb7f0fa306ac677f6e",
                                   "62f255eec58ef421a7b5ee2bf45c5bbe0af64499",
                                   "3a9ba283a905ca878c41f4349ebc15541946dc60")
_DISCOTEX, _DISCOTEX_BLIND2 = ("e113774f1b5f9c1eb4ea5581767429241ebb8cc9",
                               "6966de01800ef3bf015f14fdc46e5de2ebe60137")
_NERMUD, _NERMUD_WN, _NERMUD_FIC, _NERMUD_FINAL = ("1911538c5785dc231a4d6785ffbbb3b1ea07def7",
                                                   "a87999559145569bb806e468b0a869bcc952b777",
                                                   "0a443ed93b726a95afbc1ae134fd73f52097e6e6",
                                                   "f409bce114901756a80e2ce6273b6534b63b2275")
_KIND = "8aedc466c476208c1a4c16289ac65dc1d22afef3"
_WIC_BLIND = "da680ed44c6376b9f14f9a53c4cb19b03d7d011a22cc169b874a9bb45abb2113"
_WIC_BLIND_ENG = "f22e02deb5426b4ccc56073e9ce0e37e3204fac4eab1b5379bacb9780511b0f4"

SOURCES: dict[str, list[Source]] = {
    "wicita": _repo("wic-ita/data", "", ("wicita_1", "wicita_2"), _NO_LICENCE, {
        "binary/train.jsonl": (_WIC_DATA, "b21fec606d53e64a68a559ec8dbca440b69b9ab68067e7e290e8dc4896ebf1e0"),
        "binary/dev.jsonl": (_WIC_DATA, "e613a4b76ef1ce2ab84a7b4d8e1eeacef0fe86f68efed88ddd90c69df6067387"),
        "binary/test.jsonl": (_WIC_TEST, _WIC_BLIND),
        "binary/test_eng.jsonl": (_WIC_TEST, _WIC_BLIND_ENG),
        "ranking/train.jsonl": (
            _WIC_DATA, "8fa4671085400569644e71cafec639e3df68479c82025a0f5823ba9e29c89de6"),
        "ranking/train_agr.jsonl": (
            _WIC_DATA, "cf22b1ebe3a804ba2667c41525d72ea61f0d9b402d07b9bb9103b7b26e8008dc"),
        "ranking/train_dis.jsonl": (
            _WIC_DATA, "87bec4eeaa83c72d5e3895d02ab323073ed432ba49cc1f0d7be7efac4c2043e1"),
        "ranking/dev.jsonl": (_WIC_DATA, "8855bfe14b836775067d8be65d64f2e6d45a6b86628c4a495a4358763f2ecbe8"),
        "ranking/test.jsonl": (_WIC_TEST, _WIC_BLIND),
        "ranking/test_eng.jsonl": (_WIC_TEST, _WIC_BLIND_ENG),
        "gold_truth/binary/test.jsonl": (
            _WIC_GOLD, "df6c7941fdfa070e7b4bea7402bc7d169cfc777a87e65fbfe595606733e50ec1"),
        "gold_truth/binary/test_eng.jsonl": (
            _WIC_GOLD, "8dee76e347c4d496679ed06c809a1ed3c18abe19bc0a347e96ccc3ff42fb2b46"),
        "gold_truth/ranking/test.jsonl": (
            _WIC_GOLD, "cb2287f5144b477d4c2e39fd4f688b541eb0a27c86839b2e67a449fe330538b4"),
        "gold_truth/ranking/test_eng.jsonl": (
            _WIC_GOLD, "f055716b2d581b2d97ef16e69e5b469c3153429a07ff1f94c939d9d7a9ede395"),
    # The blind test files are the same bytes for both subtasks: each is fetched from the copy whose
    # content was checked at that commit, and stored under both official names.
    }, moved={"binary/test.jsonl": "ranking/test.jsonl", "ranking/test_eng.jsonl": "binary/test_eng.jsonl"}),
    "discotex": _repo("davidecolla/DisCoTex", "data/", ("discotex_1", "discotex_2"), _NO_LICENCE, {
        "train/discotex_1_ted_train_set_release.tsv": (
            _DISCOTEX, "bad0cfe525b0d72831631e11fa122af4dc522532479e9b516a2ab9cda70e6bd2"),
        "train/discotex_2_train_clean_release.tsv": (
            _DISCOTEX, "900aa31eb7c9082c234ea92388ea611032f46c4d0a55274287fe7522565481d9"),
        "test/blind/discotex_1_ted_test_set_release.tsv": (
            _DISCOTEX, "01f2b505f805d6aff4e7d4abf540cf502bdd915559d75d92dafec77b17f25c96"),
        "test/blind/discotex_1_wiki_test_set_release.tsv": (
            _DISCOTEX, "ee0a9512104add114d375183628d9d21f36c7779e2317b4c4b643951c5d9f0f8"),
        "test/blind/discotex_2_test_set_release.tsv": (
            _DISCOTEX_BLIND2, "27c4e3d80a158f6d3522f39e739ab53b088e19d59a3e7185f878b75cec5e9445"),
        "test/gold/discotex_1_ted_test_set_release.tsv": (
            _DISCOTEX, "4834dd5557d32e1308a8f750cefaafb672ccbd842e3fc973062edef3702d68b7"),
        "test/gold/discotex_1_wiki_test_set_release.tsv": (
            _DISCOTEX, "7cbb756772378d78640841679db1d28d12b5fe841403603a94d7bdc9354b01a4"),
        "test/gold/discotex_2_test_set_release.tsv": (
            _DISCOTEX, "88095f67200099e0a87e54ce5925413f359e5c01df3ee1102f4d73eab06f9a57"),
    # The blind subtask-2 file was checked at test_data/ (same bytes as the release's test/blind/).
    }, moved={"test/blind/discotex_2_test_set_release.tsv": "test_data/discotex_2_test_set_release.tsv"}),
    # The organisers' README names these three files; no copy was available here to hash them.
    "emotivita": _repo("GiovanniGafa/EmoITA", "EmotivITA/", ("emotivita",), _NO_LICENCE, {
        name: ("main", None)
        for name in ("Development set.csv", "Test set.csv", "Test set - Gold labels.csv")}),
    "nermud": _repo("dhfbk/KIND", "evalita-2023/", ("nermud",), _NC, {
        "ADG_train.tsv": (_NERMUD, "3b1ed656e651ec773d0bb95a97f1dd07561681b48d687a9f3c41b79d3f49252d"),
        "ADG_dev.tsv": (_NERMUD, "be9c4a16bad48d8e56352af3e6514e94f939724c8752f8be65853a6a21a3e29f"),
        "ADG_test.tsv": (_NERMUD_FINAL, "4bdfabf2846836d49e1956c446e5939f3241215c1b0dd8233b6f853f37aeb850"),
        "ADG_test_nolabel.tsv": (
            _NERMUD_FINAL, "e4641e58fa3bc95b0dda433b1204e3282447a9801584ea32830c6659f3e137ea"),
        "FIC_train.tsv": (_NERMUD, "5a6971144325a4b65c2aa1d937b1c1cc96f9bc9197548cabbdbb7fab8996e767"),
        "FIC_dev.tsv": (_NERMUD, "fc231e45f70c8dc48cf18a9d2c9aa4137ff78da30208a17bbd4310d461cec1cb"),
        "FIC_test.tsv": (_NERMUD_FINAL, "6c62b030ffe1fcbc064cc32e8cdce81f0f8a1ae344833c97eba56b3b02945239"),
        "FIC_test_nolabel.tsv": (
            _NERMUD_FIC, "ed0e8f323ee208f75f6f57b837b83923b3c9147f6c568b9c99d2cf88fe0e22bd"),
        "WN_train.tsv": (_NERMUD_WN, "879e468c0c2e387e628e7a92c3ab6b3947fe247d946505c43e15f5747873a2e6"),
        "WN_dev.tsv": (_NERMUD, "de90f752784f17bd84b520d41d78ad550447dfe95265e7c6bc2bc92afb4186b5"),
        "WN_test.tsv": (_NERMUD_WN, "d150fae0bbfde2f30f598875c259f841c79a4e8a0999a02d85cadd1a3eac30d7"),
        "WN_test_nolabel.tsv": (
            _NERMUD_FINAL, "03da245c2b4b202ac52b133b14438ba2d35ee01ada08c6107d2c2c5e56200222"),
    }),
    # KIND's own files (IO tags, no B-/I-; ExtremITA reads these): no copy was available to hash them.
    "kind": _repo("dhfbk/KIND", "dataset/", ("nermud",), _NC, {
        f"{corpus}_{split}.tsv": (_KIND, None)
        for corpus in ("degasperi", "fiction", "moro", "wikinews") for split in ("train", "test")}),
}


# The public BISS-2024 / CLiC-it 2023 tutorial rows (Apache-2.0): up to 100 real rows per task key
# (every task but CLinkaRT) in ExtremITA's 4-column format, with ExtremITA's verbalisations as
# targets (`tasks.extremita` converts them). The course's default data online (`workshop`).
_BISS2024 = "e8510555956c207ff4497c3ab9dbdaafd2f07c0a"
BISS2024_TASKS = ("acti_a", "acti_b", "discotex_1", "discotex_2", "emit_a", "emit_b", "emotivita",
                  "geolingit_a", "geolingit_b", "haspeede", "hodi_a", "hodi_b", "langlearn", "nermud",
                  "politicit", "wicita_1", "wicita_2")
BISS2024: list[Source] = _repo("crux82/CLiC-it_2023_tutorial", "data/", BISS2024_TASKS, "Apache-2.0", {
    "train_100.txt": (_BISS2024, "1a1550498310b9b0e9a91bdb80e8b1c25029033649dc07e40df3b01f8f026e11"),
    "dev_100.txt": (_BISS2024, "ddc244d48d06d5ed73b0b8e285251c30837733b785a9d5c8512790bc6932838c"),
})

def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(source: Source, target: Path) -> str:
    """Stream `source` to a temporary file beside `target`, check it, then rename it into place
    (a rename is atomic: an interrupted download never leaves a half file under the real name)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".part",
                                         delete=False)
    digest, size = hashlib.sha256(), 0
    try:
        try:
            with handle, urllib.request.urlopen(source.url, timeout=120) as response:
                for block in iter(lambda: response.read(1 << 20), b""):
                    handle.write(block)
                    digest.update(block)
                    size += len(block)
        except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
            raise RuntimeError(f"{source.path}: could not download {source.url}: {error}") from error
        got = digest.hexdigest()
        if source.sha256 is not None and got != source.sha256:
            raise ChecksumError(f"{target}: SHA-256 mismatch for {source.url}\n  expected {source.sha256}\n"
                                f"  got      {got}\nthe file was not kept")
        os.replace(handle.name, target)
    finally:
        if os.path.exists(handle.name):
            os.unlink(handle.name)
    pinned = "sha256 ok" if source.sha256 else f"sha256 not pinned: got {got} (pin it in download.SOURCES)"
    print(f"downloaded {source.path} ({size} bytes, {pinned})")
    return got


def fetch(name_or_source: str | Source | Iterable[Source], folder: str | Path) -> list[Path]:
    """Download a source (a name of `SOURCES`, one `Source` or several) into `folder`, keeping the
    official layout; files already there with the right hash are skipped. Returns every path."""
    if isinstance(name_or_source, str):
        if name_or_source not in SOURCES:
            raise KeyError(f"unknown source {name_or_source!r}; known: {', '.join(SOURCES)}")
        sources = SOURCES[name_or_source]
    else:
        sources = [name_or_source] if isinstance(name_or_source, Source) else list(name_or_source)
    folder = Path(folder)
    todo = []
    for source in sources:
        target = folder / source.path
        if target.is_file():
            got = sha256(target)
            if source.sha256 is None or got == source.sha256:
                note = "sha256 ok" if source.sha256 else f"sha256 not pinned: {got}"
                print(f"already present: {source.path} ({note})")
                continue
            print(f"{source.path}: hash differs from the pinned one, downloading it again")
        todo.append((source, target))
    remote = [s.url for s, _ in todo if not s.url.startswith("file:")]
    if remote and env.offline():
        raise RuntimeError(f"offline mode ({env.OFFLINE_VARIABLE}=1): not downloading {len(remote)} "
                           f"file(s) (first: {remote[0]}). Use the synthetic samples in "
                           "biss_helpers/data/evalita/ (tasks.sources.load_samples, task.sample_paths), "
                           "or unset "
                           f"{env.OFFLINE_VARIABLE} on a machine with internet access.")
    for source, target in todo:
        target.unlink(missing_ok=True)  # a file with the wrong hash never stays, even if this fails
        _download(source, target)
    return [folder / s.path for s in sources]
