"""PoliticIT: gender and political ideology of Italian politicians from their tweets.
One task key, three labels per author: gender (male/female), binary ideology (left/right) and
four-class ideology (left, moderate_left, moderate_right, right).

Files: tweet files (``development.csv``, 48 authors x 40 tweets; the phase-2
``politicIT_phase_2_train_public.csv`` has the same columns): comma separated, header, every field
quoted, LF, columns ``label`` (the author's 32-hex hash, kept as a string), ``gender``,
``ideology_binary``, ``ideology_multiclass``, ``tweet`` (may be empty). The three labels are constant
within an author (a change is an error). A blind tweet file may lack the three label columns; a truth
file (``development_test.csv``: ``label,gender,ideology_binary,ideology_multiclass``, minimal quoting,
one row per author) given among the same paths then supplies the gold, and must agree with any labels
in the tweet file. Each file's kind is told by its header.
Examples: each author's tweets, in file order, cut into chunks of about `TWEETS_PER_CHUNK`
consecutive tweets (ids ``<author>#<k>``, k from 0); gold = (gender, binary, multiclass).
Submission (CodaLab): ``biss_results_run1.csv``, header ``label,gender,ideology_binary,
ideology_multiclass``, one row per author in reference order, by majority vote over the author's
chunks (ExtremITA's plain author ids, one per chunk, are accepted too), zipped in ``biss.zip``.
Metric: macro-F1 over authors for each label (over the classes present), and their mean
(`mean_macro_f1`, the main one).

>>> POLITICIT.verbalise(("female", "left", "moderate_left"))
'donna sinistra centrosinistra'
>>> POLITICIT.decode("Uomo, di destra (centro-destra)").prediction
('male', 'right', 'moderate_right')
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from pathlib import Path

from .. import metrics
from .base import TEAM, Archive, Decoded, Example, Task, as_paths, find_submission, submission_file
from .files import FormatError, _delimiter_hint, open_text, parse_label, read_table, write_table
from .ideology import FALLBACK, LABELS, SIDE_OF, VALUES, WORDS, read
from .ids import IdError, align, as_ids, names
from .official import first, mean

# Real authors have 40 tweets: 8 chunks each, short enough for a small model's context.
TWEETS_PER_CHUNK = 5


def _vote(values: list):
    """The most frequent value; a tie goes to the tied value predicted first (earliest chunk)."""
    counts = Counter(values)
    return next(v for v in values if counts[v] == max(counts.values()))


def _header(path: Path) -> list[str]:
    first = open_text(path).readline()
    header = [h.strip() for h in next(csv.reader([first]), [])]
    if first and "label" not in header:  # neither file kind: name what a tweet file needs
        raise FormatError(path, 1, f"missing column(s) 'label', 'tweet'; the header has {header}"
                          f"{_delimiter_hint(first, ',')}")
    return header


class PoliticIT(Task):
    name = "politicit"
    title = "PoliticIT: gender and political ideology of an author"
    instruction = ("Questi tweet sono di un politico o di una politica italiana. Indica il genere "
                   "(\"donna\" o \"uomo\"), l'orientamento (\"sinistra\" o \"destra\") e la posizione "
                   "(\"sinistra\", \"centrosinistra\", \"centrodestra\" o \"destra\"), in quest'ordine.")
    metric = "mean_macro_f1"
    row_unit = ("The official scorer scores one prediction per author (ours: the majority vote over the "
                f"author's rows), while a row is a block of about {TWEETS_PER_CHUNK} of the author's "
                "tweets and measure counts each row once.")
    archive = Archive(f"{TEAM}.zip")  # CodaLab takes the results file zipped
    fallback = FALLBACK
    official = "development.csv (tweets), development_test.csv (truth, one row per author)"
    train_files = ("politicIT_phase_2_train_public.csv",)  # the phase-2 training file ExtremITA read
    sample = {"train": ("politicit/development.csv",), "dev": ("politicit/dev.csv",),
              "test": ("politicit/test.csv",),
              "gold": ("politicit/test.csv", "politicit/test_truth.csv")}

    def _gold(self, row) -> tuple[str, str, str] | None:
        values = tuple(parse_label(row, c, VALUES[c]) for c in LABELS)
        if all(v is None for v in values):
            return None
        if any(v is None for v in values):
            raise FormatError(row.path, row.line, f"some of {', '.join(LABELS)} are empty")
        return values

    def _scan(self, paths):
        """(tweet rows, author -> (gold, truth row)) of tweet and truth files."""
        tweets, truth = [], {}
        for path in as_paths(paths):
            header = _header(path)
            if "tweet" not in header and {"label", *LABELS} <= set(header):
                for row in read_table(path, ["label", *LABELS]):
                    author = row["label"].strip()
                    if author in truth:
                        raise FormatError(path, row.line, f"author {author!r} repeated (first at "
                                          f"{truth[author][1].source})")
                    truth[author] = (self._gold(row), row)
            else:
                required = ["label"] if "tweet" in header else ["label", "tweet"]
                tweets += read_table(path, required, ["tweet", *LABELS])  # a tweet may be empty
        return tweets, truth

    def read(self, paths) -> list[Example]:
        rows, truth = self._scan(paths)
        if not rows:
            raise ValueError(f"no tweets in {paths}: a truth file alone holds nothing to encode")
        by_author: dict[str, list] = defaultdict(list)
        gold: dict[str, tuple] = {}
        for row in rows:
            author, value = row["label"].strip(), self._gold(row)
            known = truth.get(author)
            if known and value is not None and value != known[0]:
                raise FormatError(row.path, row.line, f"labels {value} of {author!r} disagree with "
                                  f"{known[0]} in {known[1].source}")
            value = known[0] if known and value is None else value
            if author in gold and gold[author][0] != value:
                raise FormatError(row.path, row.line, f"labels of author {author!r} change: "
                                  f"{value} here, {gold[author][0]} at {gold[author][1].source}")
            gold.setdefault(author, (value, row))
            by_author[author].append(row)
        examples = []
        for author, tweets in by_author.items():
            count = -(-len(tweets) // TWEETS_PER_CHUNK)  # sizes as even as possible: 11 -> 4+4+3
            start = 0
            for k in range(count):
                size = len(tweets) // count + (k < len(tweets) % count)
                chunk = tweets[start:start + size]
                start += size
                examples.append(Example(f"{author}#{k}", {"tweets": [r.get("tweet", "") for r in chunk]},
                                        gold[author][0], chunk[0].source, {"author": author}))
        print(f"{len(rows)} tweets of {len(by_author)} authors -> {len(examples)} examples")
        return examples

    def format_input(self, example: Example) -> str:
        return " [SEP] ".join(" ".join(t.split()) for t in example.fields["tweets"])

    def verbalise(self, gold) -> str:
        return " ".join(WORDS[v] for v in gold)

    def choices(self) -> list[str]:
        """The 8 answers whose binary ideology is the side of the multiclass one (as every gold is)."""
        return [self.verbalise((g, SIDE_OF[m], m)) for g in VALUES["gender"]
                for m in VALUES["ideology_multiclass"]]

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        return read(completion)  # `ideology.read`: the three labels, each where the answer says it

    def show(self, prediction) -> str:
        return ",".join(prediction)

    def _check(self, prediction) -> tuple:
        values = tuple(prediction) if isinstance(prediction, (tuple, list)) else ()
        if len(values) != 3 or any(v not in VALUES[c] for c, v in zip(LABELS, values, strict=True)):
            raise ValueError(f"{prediction!r} is not a (gender, binary, multiclass) prediction")
        return values

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        """One row per author, by vote over its chunks (chunk ids, or ExtremITA's author ids, not both)."""
        owner = {e.id: e.extra["author"] for e in self.read(reference)}
        chunks = Counter(owner.values())  # author -> how many chunks the reference cuts it into
        ids = as_ids(ids, predictions)
        if any(i in chunks for i in ids):  # ExtremITA's plain author ids, each once per chunk
            if any(i in owner for i in ids):  # one author id among chunk ids would skew the vote
                raise IdError(f"chunk ids ({next(i for i in ids if i in owner)!r}) and author ids "
                              f"({next(i for i in ids if i in chunks)!r}) are mixed: use one kind")
            given = Counter(ids)  # an unknown id among them has 0 chunks
            wrong = [f"{a!r} ({given[a]} for {chunks[a]} chunks)" for a in dict.fromkeys([*chunks, *given])
                     if given[a] != chunks[a]]
            if wrong:  # a deleted or repeated row would silently change the author's vote
                raise IdError(f"with author ids, every author of {names(reference)} needs one prediction "
                              f"per chunk; {len(wrong)} ids do not match: {', '.join(wrong[:3])}")
            owners = ids
        else:
            predictions = align(ids, predictions, list(owner), names(reference))
            owners = list(owner.values())
        votes: dict[str, list] = defaultdict(list)
        for author, prediction in zip(owners, predictions, strict=True):
            votes[author].append(self._check(prediction))
        rows = [[a, *(_vote([p[k] for p in votes[a]]) for k in range(3))] for a in chunks]
        return [write_table(submission_file(path, f"{TEAM}_results_run1.csv"), ["label", *LABELS], rows)]

    def read_submission(self, path) -> dict[str, tuple]:
        found = find_submission(path, "*results*.csv")
        predicted = {}
        for row in read_table(found, ["label", *LABELS]):
            author = row["label"].strip()
            if author in predicted:
                raise FormatError(found, row.line, f"author {author!r} predicted twice")
            predicted[author] = self._gold(row)  # never None: the label columns are required
        return predicted

    def pair(self, submission, gold):
        """Each author's gold labels (of its first chunk, or of a truth file alone) with the submission's
        row for the author, in gold order; one part, named for the gold file(s)."""
        rows, truth = self._scan(gold)
        authors = ({e.extra["author"]: (e.gold, e.source) for e in self.read(gold) if e.id.endswith("#0")}
                   if rows else {a: (value, row.source) for a, (value, row) in truth.items()})
        unlabelled = next(((a, s) for a, (g, s) in authors.items() if g is None), None)
        if unlabelled:
            raise ValueError(f"{unlabelled[1]}: no gold labels for author {unlabelled[0]!r}")
        predicted = self.read_submission(submission)
        values = align(list(predicted), list(predicted.values()), list(authors), names(gold), str(submission))
        part = " + ".join(path.name for path in as_paths(gold))
        return [g for g, _ in authors.values()], values, [part] * len(values)

    def measure(self, golds, predictions) -> dict[str, float]:
        """Each label's macro-F1 over the classes in its gold or predictions (the official scorer's
        scikit-learn macro-F1: an absent class is no class), and their mean, the main metric.

        >>> POLITICIT.measure([("male", "left", "left")] * 2,
        ...                   [("male", "left", "left"), ("female", "left", "left")])
        {'mean_macro_f1': 0.7778, 'gender_macro_f1': 0.3333, 'ideology_binary_macro_f1': 1.0, ...}
        """
        metrics.check(golds, predictions, "authors")
        golds, predictions = [self._check(g) for g in golds], [self._check(p) for p in predictions]
        scores = {f"{c}_macro_f1": metrics.macro_f1([g[k] for g in golds], [p[k] for p in predictions])
                  for k, c in enumerate(LABELS)}
        return first(self.metric, {**scores, "mean_macro_f1": mean(list(scores.values()))})

    def group(self, example: Example) -> str:
        return example.extra["author"]

    def stratum(self, example: Example) -> str | None:
        return None if example.gold is None else f"{example.gold[0]}-{example.gold[2]}"


POLITICIT = PoliticIT()
