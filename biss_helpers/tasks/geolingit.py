"""GeoLingIt: geolocation of linguistic variation in Italy.

Subtask A (`geolingit_a`): the region a tweet was written in. Subtask B (`geolingit_b`): its
latitude and longitude.

No real file was public: the format comes from the organisers' README and ``eval.py``.
Files: TSV with a header, one example per line, and *no* CSV quoting (a ``"`` is a plain character,
as ExtremITA's ``QUOTE_NONE`` reader expects): ``train_a.tsv``, ``dev_a.tsv`` (``id, text, region``),
``train_b.tsv``, ``dev_b.tsv`` (``id, text, latitude, longitude``, floats), blind ``test.tsv``
(``id, text``; ids from 14222). The two subtasks share ids and texts; a file of the other subtask is
an error. Regions use the scorer's spellings (``Emilia Romagna``, ``Friuli-Venezia Giulia``,
``Trentino-Alto Adige``): dev has 13 regions, the test adds 4; another spelling of a region is read
as the official one. Latitude and longitude are both given or both empty.
Submission: the test file with the gold column(s) filled in, header ``id, text, region`` (A) or
``id, text, latitude, longitude`` (B) in this order, named ``TEAM.TRACK.SUBTASK.RUN``:
``biss.standard.a.1.tsv`` / ``biss.standard.b.1.tsv`` (zipped: ``biss.zip``), unquoted, texts
flattened to one line (the README allows an empty text). The official ``eval.py`` skips the header,
uses only columns 3 (and 4) and pairs gold and prediction lines *by position*, so the test order is
kept (and `score` refuses another order).
Metrics: macro-F1 over the regions present (A); mean haversine distance in km, lower is better (B).

>>> GEOLINGIT_B.verbalise((45.4642, 9.19)), GEOLINGIT_B.decode("[regione] Lombardia [geo] 45.46 9.19")
('45.46 9.19', Decoded(prediction=(45.46, 9.19), parsed=True))
>>> GEOLINGIT_A.decode("emilia-romagna").prediction, GEOLINGIT_A.decode("Sicilia!!").prediction
('Emilia Romagna', 'Sicilia')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import metrics
from .base import TEAM, Archive, Decoded, Example, Task, as_paths, find_submission, flatten, submission_file
from .classify import LabelTask
from .files import FormatError, parse_float, read_table, read_text, write_table
from .labels import Verbaliser, normalise, numbers
from .official import paired

# Official spellings (the scorer's), each with the coordinates of its regional capital: subtask B
# decodes an answer that names only a region to that point.
REGIONS = {
    "Abruzzo": (42.3498, 13.3995), "Basilicata": (40.6401, 15.8051), "Calabria": (38.9098, 16.5877),
    "Campania": (40.8518, 14.2681), "Emilia Romagna": (44.4949, 11.3426),
    "Friuli-Venezia Giulia": (45.6495, 13.7768), "Lazio": (41.9028, 12.4964), "Liguria": (44.4056, 8.9463),
    "Lombardia": (45.4642, 9.19), "Marche": (43.6158, 13.5189), "Molise": (41.5603, 14.6627),
    "Piemonte": (45.0703, 7.6869), "Puglia": (41.1171, 16.8719), "Sardegna": (39.2238, 9.1217),
    "Sicilia": (38.1157, 13.3615), "Toscana": (43.7696, 11.2558), "Trentino-Alto Adige": (46.0748, 11.1217),
    "Umbria": (43.1107, 12.3908), "Valle d'Aosta": (45.7375, 7.3154), "Veneto": (45.4408, 12.3155),
}
# Other spellings (hyphens and apostrophes already vanish in `normalise`): halves of double names,
# Südtirol, French and English names. Never a city: "Venezia" alone is in Veneto, not in Friuli.
ALIASES = {
    "Emilia": "Emilia Romagna", "Romagna": "Emilia Romagna", "Friuli": "Friuli-Venezia Giulia",
    "Venezia Giulia": "Friuli-Venezia Giulia", "Trentino": "Trentino-Alto Adige",
    "Alto Adige": "Trentino-Alto Adige", "Südtirol": "Trentino-Alto Adige",
    "Trentino-Südtirol": "Trentino-Alto Adige", "Val d'Aosta": "Valle d'Aosta",
    "Vallée d'Aoste": "Valle d'Aosta", "Aosta Valley": "Valle d'Aosta", "Lombardy": "Lombardia",
    "Piedmont": "Piemonte", "Tuscany": "Toscana", "Sicily": "Sicilia", "Sardinia": "Sardegna",
    "Apulia": "Puglia", "Latium": "Lazio", "Abruzzi": "Abruzzo",
}
# Fallback A: Lazio, the most frequent region of the official training set (organisers' README).
# ExtremITA falls back to Lazio too.
VERBALISER = Verbaliser({r: r for r in REGIONS}, aliases=ALIASES, fallback="Lazio")
_EXACT = {normalise(name): region for name, region in (*((r, r) for r in REGIONS), *ALIASES.items())}
_GEO = re.compile(r"\[\s*geo\s*\]", re.IGNORECASE)
_REGION_TAG = re.compile(r"^\W*(\[\s*)?regione\s*\]?\s*:?", re.IGNORECASE)
# A sane box around Italy (Lampedusa 35.5 N, Vetta d'Italia 47.1 N, 6.6 E to 18.5 E): a decoded
# point outside it is unparsed, never clipped into it. Latitudes and longitudes of Italy never
# overlap, so a swapped pair shows.
LAT, LON = (35.0, 47.5), (6.0, 19.0)
# What the files may hold: any point on Earth. The gold is not judged by the decoder's box, but a
# latitude of 4223 (a lost decimal point) or nan is no point at all.
EARTH_LAT, EARTH_LON = (-90.0, 90.0), (-180.0, 180.0)


def region_of(row, column: str = "region") -> str | None:
    """The official spelling of `row[column]`; any known spelling of an Italian region is accepted
    (``Emilia-Romagna``, ``Trentino Alto Adige``), a typo or another name is an error."""
    value = (row.get(column) or "").strip()
    if not value:
        return None
    if normalise(value) not in _EXACT:
        raise FormatError(row.path, row.line, f"unknown {column} {value!r}; expected an Italian region "
                          f"({', '.join(REGIONS)})")
    return _EXACT[normalise(value)]


def _write_tsv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    # Unquoted like the official files: fields are flattened so no tab or newline can split a line.
    return write_table(path, header, [[flatten(v) for v in row] for row in rows], "\t", quoted=False)


class GeoLingItTask(Task):
    subtask = ""
    gold_columns: tuple[str, ...] = ()
    other_columns: tuple[str, ...] = ()  # the other subtask's gold: its file was given by mistake
    archive = Archive(f"{TEAM}.zip")  # the README: the runs, zipped

    def read(self, paths) -> list[Example]:
        examples = []
        for path in as_paths(paths):
            rows = read_table(path, ["id", "text"], (*self.gold_columns, *self.other_columns),
                              delimiter="\t", quoted=False)
            for row in rows:
                if any(c in row for c in self.other_columns) and not any(c in row for c in self.gold_columns):
                    raise FormatError(path, 1, f"a subtask {'B' if self.subtask == 'a' else 'A'} file "
                                      f"(columns {', '.join(self.other_columns)}): not subtask "
                                      f"{self.subtask.upper()}")
                examples.append(Example(row["id"].strip(), {"text": row["text"]}, self._gold(row),
                                        row.source))
        return examples

    def _gold(self, row) -> Any:
        raise NotImplementedError

    def format_input(self, example: Example) -> str:
        return example.fields["text"]

    def _value(self, prediction) -> list:
        raise NotImplementedError

    def write_submission(self, ids, predictions, reference, path) -> list[Path]:
        rows, ordered = self.in_reference_order(ids, predictions, reference)
        target = submission_file(path, f"{TEAM}.standard.{self.subtask}.1.tsv")
        lines = [[e.id, e.fields["text"], *self._value(p)] for e, p in zip(rows, ordered, strict=True)]
        return [_write_tsv(target, ["id", "text", *self.gold_columns], lines)]

    def read_submission(self, path) -> dict[str, Any]:
        found = find_submission(path, f"*.{self.subtask}.*.tsv")
        header = read_text(found).split("\n", 1)[0].rstrip("\r").split("\t")
        if [h.strip() for h in header] != ["id", "text", *self.gold_columns]:
            # eval.py reads columns by position (3rd, 4th), not by name
            raise FormatError(found, 1, f"header {header}: expected id, text, {', '.join(self.gold_columns)} "
                              f"in this order")
        predicted = {}
        for row in read_table(found, ["id", *self.gold_columns], ["text"], delimiter="\t", quoted=False):
            if row["id"].strip() in predicted:
                raise FormatError(found, row.line, f"id {row['id'].strip()!r} is repeated")
            predicted[row["id"].strip()] = self._gold(row)
        return predicted

    def pair(self, submission, gold):
        # eval.py pairs lines by position: a reordered submission would be scored against the wrong
        # gold there, so it is an error here rather than silently realigned by id.
        return paired(self, submission, gold, positional=True)


class GeoLingItA(GeoLingItTask, LabelTask):
    name, subtask = "geolingit_a", "a"
    gold_columns, other_columns = ("region",), ("latitude", "longitude")
    title = "GeoLingIt subtask A: region of a regional Italian tweet"
    instruction = ("Da quale regione italiana viene questo messaggio? Rispondi con il nome della "
                   "regione, per esempio \"Lombardia\", \"Sicilia\" o \"Emilia Romagna\".")
    official = "train_a.tsv, dev_a.tsv, test.tsv"
    train_files = ("train_a.tsv",)
    verbaliser = VERBALISER
    sample = {"train": ("geolingit/train_a.tsv",), "dev": ("geolingit/dev_a.tsv",),
              "test": ("geolingit/test.tsv",), "gold": ("geolingit/test_a_gold.tsv",)}

    def _gold(self, row) -> str | None:
        return region_of(row)

    def _value(self, prediction) -> list:
        if prediction not in REGIONS:
            raise ValueError(f"{prediction!r} is not the official name of a region ({', '.join(REGIONS)})")
        return [prediction]

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        # ExtremITA writes "[regione] Lombardia [geo] 45.46 9.15": the region is before "[geo]".
        text = str(completion)
        head = _REGION_TAG.sub(" ", _GEO.split(text, maxsplit=1)[0])
        decoded = self.verbaliser.decode(head)
        return decoded if decoded.parsed or head == text else self.verbaliser.decode(text)

    # `measure` is LabelTask's: eval.py's classification_report averages over the regions in gold or
    # predictions, not over all twenty (an absent region would count as F1 0).


class GeoLingItB(GeoLingItTask):
    name, subtask = "geolingit_b", "b"
    gold_columns, other_columns = ("latitude", "longitude"), ("region",)
    title = "GeoLingIt subtask B: latitude and longitude of a regional Italian tweet"
    instruction = ("Dove è stato scritto questo messaggio? Rispondi con latitudine e longitudine in "
                   "gradi decimali, per esempio \"45.46 9.19\".")
    official = "train_b.tsv, dev_b.tsv, test.tsv"
    train_files = ("train_b.tsv",)
    metric, higher_is_better = "mean_distance_km", False
    # Fallback: central Rome, ExtremITA's fallback and with Naples the most frequent point of the
    # data; it matches subtask A's fallback region (Lazio) and is near the centre of Italy.
    fallback = (41.9, 12.5)
    sample = {"train": ("geolingit/train_b.tsv",), "dev": ("geolingit/dev_b.tsv",),
              "test": ("geolingit/test.tsv",), "gold": ("geolingit/test_b_gold.tsv",)}

    def _gold(self, row) -> tuple[float, float] | None:
        lat, lon = parse_float(row, "latitude", *EARTH_LAT), parse_float(row, "longitude", *EARTH_LON)
        if (lat is None) != (lon is None):
            raise FormatError(row.path, row.line, "latitude and longitude must be both given or both empty")
        return None if lat is None else (lat, lon)

    def _value(self, prediction) -> list:
        lat, lon = float(prediction[0]), float(prediction[1])
        if not (EARTH_LAT[0] <= lat <= EARTH_LAT[1] and EARTH_LON[0] <= lon <= EARTH_LON[1]):  # nan too
            raise ValueError(f"{prediction!r} is not a (latitude, longitude) point")
        return [lat, lon]

    def verbalise(self, gold) -> str:
        # 2 decimals: at most ~0.6 km off, far below the task's errors (hundreds of km).
        return f"{gold[0]:.2f} {gold[1]:.2f}"

    def show(self, prediction) -> str:
        return f"{prediction[0]} {prediction[1]}"

    def read_answer(self, completion: str, example: Example | None = None) -> Decoded:
        text = str(completion)
        parts = _GEO.split(text, maxsplit=1)
        found = numbers(parts[-1])
        if len(found) >= 2:
            lat, lon = found[:2]
            if not LAT[0] <= lat <= LAT[1] and LAT[0] <= lon <= LAT[1]:
                lat, lon = lon, lat  # "9.19 45.46": longitude first
            if LAT[0] <= lat <= LAT[1] and LON[0] <= lon <= LON[1]:
                return Decoded((round(lat, 6), round(lon, 6)), True)
            return Decoded(self.fallback, False)  # off Italy, or too large: never clipped
        # No coordinates: a named region stands for its capital.
        region = VERBALISER.find(parts[0])[0]
        return Decoded(REGIONS[region], True) if region else Decoded(self.fallback, False)

    def measure(self, golds, predictions) -> dict[str, float]:
        """The mean haversine distance in km (lower is better).

        >>> GEOLINGIT_B.measure([(45.4642, 9.19), (41.9028, 12.4964)], [(41.9028, 12.4964)] * 2)
        {'mean_distance_km': 238.4423}
        """
        return {"mean_distance_km": metrics.mean_haversine_km(golds, predictions)}


GEOLINGIT_A, GEOLINGIT_B = GeoLingItA(), GeoLingItB()
