"""What the per-task tests share."""


def round_trip(task, gold, folder):
    """read -> encode -> decode(target) -> write_submission -> read_submission -> score, asserting
    that every target parses and the submission reads back as the gold. Returns
    (examples, written files, scores)."""
    examples = task.read(gold)
    decoded = [task.decode(task.encode(e).target, e) for e in examples]
    assert all(d.parsed for d in decoded)
    written = task.write_submission([e.id for e in examples], [d.prediction for d in decoded], gold, folder)
    assert task.read_submission(folder) == {e.id: e.gold for e in examples}
    return examples, written, task.score(folder, gold)


def write(path, text):
    """`text` into `path` as UTF-8, byte for byte (a ``\r\n`` stays one); returns the path."""
    path.write_bytes(text.encode("utf-8"))
    return path


def spans(text, *pieces):
    """(start, end) of each piece in `text`: its first occurrence, or its n-th given (piece, n)."""
    found = []
    for piece in pieces:
        piece, nth = piece if isinstance(piece, tuple) else (piece, 1)
        at = -1
        for _ in range(nth):
            at = text.index(piece, at + 1)
        found.append((at, at + len(piece)))
    return found
