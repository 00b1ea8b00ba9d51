import pytest

from biss_helpers import sentences
from biss_helpers.sentences import Sentence


def write(path, text):
    path.write_bytes(text.encode("utf-8"))
    return path


def test_bundled_sample_is_balanced_and_disjoint():
    data = sentences.load("topics_it")
    assert [len(data.train), len(data.dev), len(data.test)] == [240, 60, 100]
    assert data.labels == ("cucina", "sport", "tecnologia", "viaggi")
    texts = [s.text for split in (data.train, data.dev, data.test) for s in split]
    assert len(texts) == len(set(texts)), "no sentence may sit in two splits"
    assert "train    240" in data.summary()


def test_offline_hub_dataset_becomes_the_sample(offline, capsys):
    data = sentences.load("tweet_sentiment_it")
    assert data.name == "topics_it"
    assert "offline mode: dataset tweet_sentiment_it -> bundled sample" in capsys.readouterr().out


def test_hub_dataset_reads_parquet_export_and_names_labels(online, monkeypatch):
    seen = {}

    def fake_load_dataset(kind, data_files):
        seen.update(kind=kind, files=data_files)
        rows = [{"text": " bello ", "label": 2}, {"text": "brutto", "label": 0}]
        return {split: rows for split in data_files}

    monkeypatch.setattr("datasets.load_dataset", fake_load_dataset)
    data = sentences.load("tweet_sentiment_it")
    assert seen["kind"] == "parquet"
    assert seen["files"]["dev"] == ("hf://datasets/cardiffnlp/tweet_sentiment_multilingual"
                                    "@refs%2Fconvert%2Fparquet/italian/validation/0000.parquet")
    assert data.train[0] == Sentence("train-0", "bello", "positive")
    assert data.labels == ("negative", "neutral", "positive")


def test_reads_crlf_quotes_and_embedded_newlines(tmp_path):
    path = write(tmp_path / "train.csv",
                 'id,text,label\r\n7,"una frase, con virgola",a\r\n8,"due\r\nrighe",b\r\n')
    assert sentences.read(path) == [Sentence("7", "una frase, con virgola", "a"),
                                    Sentence("8", "due\r\nrighe", "b")]


def test_missing_column_names_the_file_and_the_header(tmp_path):
    path = write(tmp_path / "train.tsv", "id\ttesto\tlabel\n1\tciao\ta\n")
    expected = r"train.tsv: missing column\(s\) 'text'; the header has 'id', 'testo', 'label'"
    with pytest.raises(ValueError, match=expected):
        sentences.read(path)


def test_unknown_label_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path / "dev.tsv", "id\ttext\tlabel\n1\tciao\ta\n2\taddio\tzzz\n")
    with pytest.raises(ValueError, match=r"dev.tsv, line 3: unknown label 'zzz'; known: a, b"):
        sentences.read(path, labels=("a", "b"))


@pytest.mark.parametrize("row, problem", [("2\t\ta", "line 3: empty text"),
                                          ("2\tciao", "line 3: expected 3 fields"),
                                          ("2\tciao\ta\textra", "line 3: expected 3 fields")])
def test_bad_rows_name_the_line(tmp_path, row, problem):
    path = write(tmp_path / "train.tsv", f"id\ttext\tlabel\n1\tciao\ta\n{row}\n")
    with pytest.raises(ValueError, match=problem):
        sentences.read(path)


def test_missing_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.tsv"):
        sentences.read(tmp_path / "nope.tsv")
    with pytest.raises(FileNotFoundError, match="needs train.tsv"):
        sentences.read_folder(tmp_path)
    with pytest.raises(ValueError, match="unknown dataset 'nothing'"):
        sentences.load("nothing")


def test_folder_without_dev_splits_train_stratified(tmp_path, capsys):
    rows = "".join(f"{i}\tfrase numero {i}\t{'ab'[i % 2]}\n" for i in range(40))
    write(tmp_path / "train.tsv", "id\ttext\tlabel\n" + rows)
    write(tmp_path / "test.tsv", "id\ttext\tlabel\nt1\tprova\ta\n")
    data = sentences.load(str(tmp_path))
    assert len(data.train) + len(data.dev) == 40
    assert sorted(s.label for s in data.dev) == ["a", "a", "b", "b"]
    assert not {s.id for s in data.train} & {s.id for s in data.dev}
    assert "no dev file, so 4 train sentences" in capsys.readouterr().out


def test_dev_label_unseen_in_train_is_an_error(tmp_path):
    write(tmp_path / "train.tsv", "id\ttext\tlabel\n1\tciao\ta\n")
    write(tmp_path / "dev.tsv", "id\ttext\tlabel\n1\tciao\tb\n")
    write(tmp_path / "test.tsv", "id\ttext\tlabel\n1\tciao\ta\n")
    with pytest.raises(ValueError, match="dev.tsv, line 2: unknown label 'b'"):
        sentences.read_folder(tmp_path)


def test_majority_label_breaks_ties_by_name():
    split = [Sentence(str(i), "x", label) for i, label in enumerate("bbaac")]
    assert sentences.majority_label(split) == "a"
