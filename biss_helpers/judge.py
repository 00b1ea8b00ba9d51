"""Judging free-text answers three ways.

1. Against a reference: `exact_match` (all or nothing), `token_f1` (shared words in any order, as in
   SQuAD), `rouge_l` (shared words in the same order), after `normalize` (case, punctuation and
   articles do not count). Fast, free, repeatable, but blind to meaning: a paraphrase scores low.
2. By another model (LLM-as-judge): `RUBRIC` asks for a 0-100 grade against the reference, `parse_score`
   reads it out of any reply, `judge` asks a `LocalJudge` (a chat model, no key) or an `ApiJudge` (an
   OpenAI-compatible service), a `Cache` each prompt once. A judge sees paraphrases but has biases (long
   answers, its own style), and a small one is often wrong: read some grades before trusting the mean.
3. As multiple choice (`multiple_choice`): closed options, the likeliest right or wrong, no free text.

>>> normalize("L'Italia è una Repubblica!"), exact_match("The Rome.", "rome")
('italia è repubblica', 1.0)
>>> token_f1("cat the dog", "the dog cat"), rouge_l("cat the dog", "the dog cat")  # ROUGE-L: order counts
(1.0, 0.5)
>>> parse_score("**Score**: 72"), parse_score("8/10"), parse_score("no idea")
(72, 80, None)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import generation, outputs, prompts

# English and Italian articles; "l" is what the elided l' leaves once apostrophes split words.
ARTICLES = {"a", "an", "the", "il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "l"}
FIELDS = ("instruction", "input", "reference", "answer")  # of an item to `judge`
OPENAI_URL = "https://api.openai.com/v1/chat/completions"


def normalize(text: str) -> str:
    """Lower case, apostrophes as spaces, no other punctuation, no articles, one space between words."""
    text = text.lower().replace("'", " ").replace("\u2019", " ")  # l'anno and l’anno: two words
    text = "".join(c for c in text if not unicodedata.category(c).startswith("P"))
    return " ".join(word for word in text.split() if word not in ARTICLES)


def exact_match(prediction: str, reference: str) -> float:
    """1.0 when the two are the same after `normalize`, else 0.0."""
    return float(normalize(prediction) == normalize(reference))


def _f1(common: int, predicted: list[str], wanted: list[str]) -> float:
    """F1 of `common` words out of the two sides; two empty sides agree (1.0), one empty gets 0.0."""
    if not predicted or not wanted:
        return float(predicted == wanted)
    precision, recall = common / len(predicted), common / len(wanted)
    return 2 * precision * recall / (precision + recall) if common else 0.0


def token_f1(prediction: str, reference: str) -> float:
    """F1 of the words the two share, each counted as often as it occurs in both (SQuAD)."""
    predicted, wanted = normalize(prediction).split(), normalize(reference).split()
    return _f1(sum((Counter(predicted) & Counter(wanted)).values()), predicted, wanted)


def rouge_l(prediction: str, reference: str) -> float:
    """F1 of the longest common subsequence of words: shared words count only in the same order."""
    predicted, wanted = normalize(prediction).split(), normalize(reference).split()
    # lcs[i][j]: LCS of predicted[:i], wanted[:j]: a shared last word extends it, else drop either last word
    lcs = [[0] * (len(wanted) + 1) for _ in range(len(predicted) + 1)]
    for i, word in enumerate(predicted, 1):
        for j, other in enumerate(wanted, 1):
            lcs[i][j] = lcs[i - 1][j - 1] + 1 if word == other else max(lcs[i - 1][j], lcs[i][j - 1])
    return _f1(lcs[-1][-1], predicted, wanted)


def reference_scores(predictions: Sequence[str], references: Sequence[str]) -> dict:
    """The mean of each reference score over the answers (4 decimals), and the number of answers."""
    if len(predictions) != len(references) or not predictions:
        raise ValueError(f"{len(predictions)} predictions for {len(references)} references: one for each")
    scores = {name: round(sum(map(score, predictions, references)) / len(predictions), 4)
              for name, score in (("exact_match", exact_match), ("token_f1", token_f1), ("rouge_l", rouge_l))}
    return {**scores, "answers": len(predictions)}


RUBRIC = """Grade an answer to an instruction, comparing it with a correct reference answer.
Instruction: {instruction}
Input: {input}
Reference answer: {reference}
Answer to grade: {answer}
Scale: 0-19 wrong, off-topic or empty; 20-49 partly right, with important errors or omissions;
50-79 right, but incomplete or verbose; 80-100 correct and complete.
Judge the content, not the wording: a paraphrase of the reference can be fully correct.
Reply with exactly "Score: N", N a whole number from 0 to 100, and nothing else."""
NUMBER = r"(-?\d+(?:[.,]\d+)?)"  # 85, 7.5, 7,5 (Italian decimals); a minus sign is read, then refused
MARK = r"(?:\s*(?:/|out of|su)\s*(\d+)|\s*%)"  # a scale: "/10", "out of 100", "su 10"; or "%"
AFTER_SCORE = re.compile(r"\b(?:scores?|voto|punteggio)(?:\s+(?:is|of))?\W*?" + NUMBER + MARK + "?", re.I)
WITH_SCALE = re.compile(NUMBER + MARK, re.IGNORECASE)
ONLY_NUMBER = re.compile(r"\W*?" + NUMBER + r"\W*")  # lazy: a minus sign stays with the number


def judge_prompt(instruction: str, input: str, reference: str, answer: str) -> str:
    """`RUBRIC` filled in for one answer (an empty input shows as "(none)")."""
    return RUBRIC.format(instruction=instruction, input=input.strip() or "(none)", reference=reference,
                         answer=answer)


def parse_score(text: str) -> int | None:
    """The 0-100 grade in a judge's reply, or None. The first rule that finds a number decides: 1. the
    number after "score" (any case, markup as in ``**Score**:``; or "voto", "punteggio"): "Score: 40.
    It names 3 facts" is 40; 2. the first number with a scale or a "%" ("8/10", "90 out of 100", "8 su 10",
    "85%"); 3. a reply that is only a number ("85"). A scale makes hundredths ("7.5/10" is 75), rounded
    half up to a whole number. Outside 0-100 (or above its scale) is None, never clipped: not the rubric's.

    >>> parse_score("Score: 7.5/10"), parse_score("Score: 120"), parse_score("90 out of 100")
    (75, None, 90)
    """
    found = AFTER_SCORE.search(text) or WITH_SCALE.search(text) or ONLY_NUMBER.fullmatch(text)
    if not found:
        return None
    value, scale = float(found.group(1).replace(",", ".")), (found.groups() + (None,))[1]
    if scale is not None:  # in hundredths; above the scale (or a scale of 0) is out of range: -1
        value = value * 100 / int(scale) if int(scale) and value <= int(scale) else -1
    return int(value + 0.5) if 0 <= value <= 100 else None  # half up: 72.5 is 73, as in school


class Cache:
    """Judged prompts in a JSON file: sha256 of judge name + prompt -> {"text": reply, "score": grade}.
    Nothing is written until `save` (atomic: an interrupted save leaves the previous file)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:  # bad UTF-8 and bad JSON are ValueErrors too
            self.entries = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
            if not isinstance(self.entries, dict) or not all(
                    isinstance(v, dict) and {"text", "score"} <= set(v) for v in self.entries.values()):
                raise ValueError('not an object of {"text": ..., "score": ...} entries')
        except ValueError as error:
            raise ValueError(f"judge cache {self.path}: corrupt ({error}): delete it") from error

    def key(self, name: str, prompt: str) -> str:
        return hashlib.sha256(f"{name}\0{prompt}".encode()).hexdigest()  # \0: ("ab", "c") != ("a", "bc")

    def get(self, name: str, prompt: str) -> dict | None:
        return self.entries.get(self.key(name, prompt))

    def put(self, name: str, prompt: str, text: str, score: int | None) -> None:
        self.entries[self.key(name, prompt)] = {"text": text, "score": score}

    def save(self) -> Path:
        return outputs.write_text(self.path, json.dumps(self.entries, ensure_ascii=False, indent=1) + "\n")


class LocalJudge:
    """A loaded model as greedy judge; `name` keys its cache entries (give each judge model its own).
    Its reply is started for it with `prefill` ("Score:"), so even a small model goes on with a number."""

    def __init__(self, model, tokenizer, name: str = "local", max_new_tokens: int = 12, batch_size: int = 8,
                 prefill: str = "Score:"):
        self.model, self.tokenizer, self.name, self.prefill = model, tokenizer, name, prefill
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size

    def complete(self, texts: list[str]) -> list[str]:
        """The reply to each text as the model's user turn (English Alpaca without a chat template)."""
        style = "chat" if getattr(self.tokenizer, "chat_template", None) else "alpaca_en"
        wrapped = [prompts.build_prompt(t, "", style, self.tokenizer) + self.prefill for t in texts]
        settings = generation.GenerationSettings(prompt_style=style, batch_size=self.batch_size)
        replies = generation.generate(self.model, self.tokenizer, wrapped, settings, self.max_new_tokens)
        return [f"{self.prefill} {reply}".strip() for reply in replies]


def _post(url: str, headers: dict, body: dict) -> dict:
    """The JSON reply to `body` posted as JSON."""
    import urllib.request  # the standard library: no new dependency

    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.loads(reply.read().decode("utf-8"))


class ApiJudge:
    """A model behind an OpenAI-compatible chat completions URL, at temperature 0; the key is read only
    when a prompt is asked (a cached run needs none). `transport(url, headers, body)` replaces the network."""

    def __init__(self, model: str = "gpt-4o-mini", url: str = OPENAI_URL,
                 key_variable: str = "OPENAI_API_KEY", transport: Callable[..., dict] | None = None):
        self.model, self.url, self.key_variable, self.transport = model, url, key_variable, transport
        self.name = model  # keys the cache: another model's grades are not this one's

    def complete(self, texts: list[str]) -> list[str]:
        key = os.environ.get(self.key_variable)
        if not key:
            raise RuntimeError(f"ApiJudge: the environment variable {self.key_variable} holds no API key; "
                               f"set it, or judge with LocalJudge, which needs none")
        headers, replies = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, []
        for n, text in enumerate(texts, 1):
            reply = None  # named in the error below, even when the request itself fails
            body = {"model": self.model, "messages": [{"role": "user", "content": text}], "temperature": 0}
            try:
                reply = (self.transport or _post)(self.url, headers, body)
                replies.append(reply["choices"][0]["message"]["content"] or "")  # None: a refusal
            except (OSError, json.JSONDecodeError) as error:  # urllib's errors (HTTP 401...) are OSErrors
                raise RuntimeError(f"prompt {n}: the request to {self.url} failed: {error}") from error
            except (KeyError, IndexError, TypeError) as error:
                raise ValueError(f"prompt {n}: no choices[0].message.content in {reply!r:.300}") from error
        return replies


@dataclass
class JudgeReport:
    scores: list[int | None]  # one per item, in order; None where the reply held no grade
    texts: list[str]          # the judge's replies, to read
    cached: int               # items answered from the cache, not asked

    @property
    def parsed(self) -> int:
        return sum(score is not None for score in self.scores)

    @property
    def mean(self) -> float | None:
        return sum(s for s in self.scores if s is not None) / self.parsed if self.parsed else None

    def summary(self) -> str:
        mean = "no grade parsed" if self.mean is None else f"mean {self.mean:.1f} of 100"
        return (f"judged {len(self.scores)} answers: {mean} ({self.parsed} parsed, "
                f"{len(self.scores) - self.parsed} unparsable; {self.cached} from the cache)")


def judge(judge, items: Sequence[Mapping[str, str]], cache: Cache | None = None) -> JudgeReport:
    """Grade each item (a dict of `FIELDS`) with `judge`, asking only what `cache` lacks, each once."""
    texts = []
    for n, item in enumerate(items, 1):
        for field in FIELDS:
            if not isinstance(item, Mapping) or not isinstance(item.get(field), str):
                what = "is not text" if isinstance(item, Mapping) and field in item else "key is missing"
                raise ValueError(f"item {n}: the {field!r} {what} (an item is a dict of {', '.join(FIELDS)})")
        texts.append(judge_prompt(*(item[field] for field in FIELDS)))
    known = {t: cache.get(judge.name, t) for t in texts} if cache is not None else {}
    asked = [t for t in dict.fromkeys(texts) if known.get(t) is None]
    replies = judge.complete(asked) if asked else []
    if len(replies) != len(asked):
        raise ValueError(f"judge {judge.name}: {len(replies)} replies for {len(asked)} prompts")
    fresh = {t: {"text": r, "score": parse_score(r)} for t, r in zip(asked, replies, strict=True)}
    if cache is not None and fresh:
        for t, entry in fresh.items():
            cache.put(judge.name, t, entry["text"], entry["score"])
        cache.save()
    found = [known.get(t) or fresh[t] for t in texts]
    return JudgeReport([f["score"] for f in found], [f["text"] for f in found],
                       sum(known.get(t) is not None for t in texts))
