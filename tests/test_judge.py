"""Judging free-text answers (`judge`): reference scores computed by hand, a grade read out of odd judge
replies, a cache that asks each prompt once, a local judge on the tiny LLaMA, an API judge on a fake
transport."""

import itertools
import json
import random
import re

import pytest

from biss_helpers import generation, judge, tiny


@pytest.mark.parametrize("text, expected", [
    ("L'Italia è una Repubblica!", "italia è repubblica"),
    ("Un'amica, la mia; gli amici.", "amica mia amici"),
    ("L’anno «bello» di uno studente", "anno bello di studente"),
    ("The U.S.A. is  a BIG\tcountry", "usa is big country"),
    ("il lo la i gli le un uno una", ""),
])
def test_normalize_drops_case_punctuation_and_articles(text, expected):
    assert judge.normalize(text) == expected


def test_exact_match_after_normalization():
    assert judge.exact_match("La Roma!", "roma") == 1.0
    assert judge.exact_match("l'anno scorso", "L’anno scorso.") == 1.0
    assert judge.exact_match("Roma", "Milano") == 0.0
    assert judge.exact_match("Roma capitale", "Roma") == 0.0


def test_token_f1_counts_shared_words_as_a_multiset():
    # gatto nero dorme / gatto dorme sul divano: 2 shared, precision 2/3, recall 2/4
    assert judge.token_f1("il gatto nero dorme", "un gatto dorme sul divano") == pytest.approx(4 / 7)
    # {gatto: 2, nero: 1} and {gatto: 1, nero: 2} share one gatto and one nero: 2 of 3 each
    assert judge.token_f1("gatto gatto nero", "gatto nero nero") == pytest.approx(2 / 3)
    assert judge.token_f1("Roma", "Milano") == 0.0
    assert judge.token_f1("", "") == 1.0 and judge.token_f1("the", "la") == 1.0   # both empty once normalized
    assert judge.token_f1("gatto", "") == 0.0 and judge.token_f1("", "gatto") == 0.0


def test_rouge_l_rewards_order_where_f1_does_not():
    # all 3 words shared, but only "gatto nero" in the same order
    assert judge.token_f1("dorme il gatto nero", "il gatto nero dorme") == 1.0
    assert judge.rouge_l("dorme il gatto nero", "il gatto nero dorme") == pytest.approx(2 / 3)
    # LCS 2 of 4 and 5 words: precision 1/2, recall 2/5; F1 shares all 4 of them
    prediction, reference = "rosso verde blu giallo", "verde rosso giallo blu viola"
    assert judge.rouge_l(prediction, reference) == pytest.approx(4 / 9)
    assert judge.token_f1(prediction, reference) == pytest.approx(8 / 9)
    assert judge.rouge_l("Il gatto nero.", "il GATTO nero") == 1.0
    assert judge.rouge_l("", "") == 1.0 and judge.rouge_l("gatto", "") == 0.0


def brute_force_lcs(a: list[str], b: list[str]) -> int:
    """The longest subsequence of `a` that is also one of `b`, by trying them all, longest first."""
    for size in range(len(a), 0, -1):
        for kept in itertools.combinations(a, size):
            rest = iter(b)
            if all(word in rest for word in kept):   # `in` on an iterator consumes it: order kept
                return size
    return 0


def test_rouge_l_is_the_f1_of_the_true_longest_common_subsequence():
    generator = random.Random(0)
    for _ in range(200):
        a = [generator.choice("xyz") for _ in range(generator.randint(1, 7))]
        b = [generator.choice("xyz") for _ in range(generator.randint(1, 7))]
        common = brute_force_lcs(a, b)
        expected = 2 * common / (len(a) + len(b))   # F1 of common/len(a) and common/len(b)
        assert judge.rouge_l(" ".join(a), " ".join(b)) == pytest.approx(expected), (a, b)


def test_reference_scores_are_means_over_the_answers():
    scores = judge.reference_scores(["Roma", "il gatto nero"], ["roma", "gatto"])
    # second answer: 1 of 2 words right, recall 1: F1 = ROUGE-L = 2/3
    assert scores == {"exact_match": 0.5, "token_f1": 0.8333, "rouge_l": 0.8333, "answers": 2}
    with pytest.raises(ValueError, match="^2 predictions for 3 references"):
        judge.reference_scores(["a", "b"], ["a", "b", "c"])
    with pytest.raises(ValueError, match="^0 predictions for 0 references"):
        judge.reference_scores([], [])


@pytest.mark.parametrize("text, expected", [
    ("Score: 85", 85),
    ("score:85/100", 85),
    ("**Score**: 72", 72),
    ("I would give it 90 out of 100", 90),
    ("85%", 85),
    ("8/10", 80),
    ("Score: 7.5/10", 75),
    ("Score: 120", None),                                # out of range, not clipped to 100
    ("no idea", None),
    ("Score: 40. The answer mentions 3 facts", 40),      # the number after "score" wins
    ("The answer mentions 3 facts. Score: 40", 40),
    ("", None),
    ("85", 85),
    ("  72.\n", 72),
    ("72.5", 73),                                        # half up
    ("Score: 12/10", None),                              # above its own scale
    ("Score: -5", None),
    ("The answer mentions 3 facts", None),               # a bare number in a sentence is no grade
    ("Voto: 8 su 10", 80),
    ('Reply with exactly "Score: N". Score: 66', 66),    # an echoed rubric has no number after "Score"
])
def test_parse_score_reads_odd_judge_replies(text, expected):
    assert judge.parse_score(text) == expected


def test_the_judge_prompt_holds_the_item_and_the_rubric():
    text = judge.judge_prompt("Qual è la capitale d'Italia?", "", "Roma", "Milano")
    assert "Qual è la capitale d'Italia?" in text and "Reference answer: Roma" in text
    assert "Answer to grade: Milano" in text and "Input: (none)" in text
    assert 'exactly "Score: N"' in text and "80-100" in text


def test_cache_round_trip(tmp_path):
    path = tmp_path / "cache" / "judge.json"
    cache = judge.Cache(path)
    assert cache.get("local", "prompt") is None
    cache.put("local", "prompt", "Score: 70", 70)
    cache.put("local", "other", "boh", None)
    assert not path.exists()                   # nothing written before save
    cache.save()
    again = judge.Cache(path)
    assert again.get("local", "prompt") == {"text": "Score: 70", "score": 70}
    assert again.get("local", "other") == {"text": "boh", "score": None}
    assert again.get("gpt-4o-mini", "prompt") is None   # another judge's grades are not this one's
    assert again.key("ab", "c") != again.key("a", "bc")
    assert len(json.loads(path.read_text())) == 2


@pytest.mark.parametrize("content", ['{"abc": {"text": "x", "score": 1}', "[1, 2]", '{"abc": 3}', "\xff\xfe"])
def test_a_corrupt_cache_is_an_error_naming_the_file(tmp_path, content):
    path = tmp_path / "judge.json"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(ValueError, match=f"^judge cache {re.escape(str(path))}: corrupt"):
        judge.Cache(path)


class FakeJudge:
    """Canned replies by answer; counts the prompts it is asked."""

    name = "fake"
    REPLIES = {"Roma": "Score: 90", "Milano": "**Score**: 10", "boh": "no idea", "Torino": "7/10"}

    def __init__(self):
        self.asked: list[list[str]] = []

    def complete(self, texts):
        self.asked.append(list(texts))
        return [next(r for a, r in self.REPLIES.items() if f"Answer to grade: {a}\n" in t) for t in texts]


def item(answer: str, instruction: str = "Qual è la capitale d'Italia?") -> dict:
    return {"instruction": instruction, "input": "", "reference": "Roma", "answer": answer}


def test_judge_scores_every_item_in_order_and_asks_only_uncached_prompts(tmp_path):
    fake, path = FakeJudge(), tmp_path / "judge.json"
    items = [item("Roma"), item("Milano"), item("boh")]
    report = judge.judge(fake, items, judge.Cache(path))
    assert report.scores == [90, 10, None] and report.parsed == 2 and report.mean == 50
    assert report.texts == ["Score: 90", "**Score**: 10", "no idea"]
    assert report.cached == 0 and len(fake.asked) == 1 and len(fake.asked[0]) == 3
    assert report.summary() == "judged 3 answers: mean 50.0 of 100 (2 parsed, 1 unparsable; 0 from the cache)"
    again = judge.judge(fake, [item("Torino"), *items, item("Torino")], judge.Cache(path))   # read from disk
    assert len(fake.asked) == 2 and len(fake.asked[1]) == 1 and "Torino" in fake.asked[1][0]
    assert again.scores == [70, 90, 10, None, 70] and again.cached == 3 and again.mean == 60
    assert again.summary().endswith("(4 parsed, 1 unparsable; 3 from the cache)")
    judge.judge(fake, items, judge.Cache(path))
    assert len(fake.asked) == 2                 # all cached: the judge is not called at all


def test_judge_without_a_cache_asks_everything_and_says_when_nothing_parses():
    fake = FakeJudge()
    report = judge.judge(fake, [item("boh"), item("boh", "Altro?")])
    assert report.scores == [None, None] and report.mean is None and report.parsed == 0
    assert report.summary() == "judged 2 answers: no grade parsed (0 parsed, 2 unparsable; 0 from the cache)"
    assert len(fake.asked[0]) == 2


def test_judge_refuses_incomplete_items_and_a_judge_that_drops_replies():
    broken = [item("Roma"), {"instruction": "x", "input": "", "answer": "Roma"}]
    with pytest.raises(ValueError, match="^item 2: the 'reference' key is missing"):
        judge.judge(FakeJudge(), broken)
    with pytest.raises(ValueError, match="^item 1: the 'answer' is not text"):
        judge.judge(FakeJudge(), [{**item("Roma"), "answer": None}])

    class Lossy(FakeJudge):
        def complete(self, texts):
            return super().complete(texts)[1:]

    with pytest.raises(ValueError, match="1 replies for 2 prompts"):
        judge.judge(Lossy(), [item("Roma"), item("Milano")])


@pytest.mark.usefixtures("one_thread")
def test_local_judge_answers_each_prompt_on_the_tiny_llama(tok):
    local = judge.LocalJudge(tiny.llama(tok), tok, max_new_tokens=4, batch_size=2)
    replies = local.complete(["Il gatto", "Oggi a Roma", "Ciao"])
    assert len(replies) == 3 and all(isinstance(r, str) for r in replies)   # untrained: random text
    assert local.name == "local" and local.complete([]) == []


def test_local_judge_wraps_prompts_in_the_chat_template_or_english_alpaca(tok, monkeypatch):
    calls = []
    monkeypatch.setattr(generation, "generate", lambda model, tokenizer, texts, settings, budget:
                        calls.append((texts, settings, budget)) or ["1"] * len(texts))
    local = judge.LocalJudge("model", tok, max_new_tokens=7, batch_size=3)
    assert local.complete(["Grade this."]) == ["Score: 1"]      # the reply as started for the model
    [texts], settings, budget = calls[-1]
    assert texts == "<|im_start|>user\nGrade this.<|im_end|>\n<|im_start|>assistant\nScore:"
    assert settings.prompt_style == "chat" and settings.batch_size == 3 and not settings.do_sample
    assert budget == 7
    monkeypatch.setattr(tok, "chat_template", None)
    local.complete(["Grade this."])
    [texts], settings, _ = calls[-1]
    assert texts.endswith("### Instruction:\nGrade this.\n\n### Response:\nScore:")
    assert settings.prompt_style == "alpaca_en"


def test_api_judge_sends_an_openai_request_and_reads_the_reply(monkeypatch):
    monkeypatch.setenv("JUDGE_TEST_KEY", "sk-test")
    sent = []

    def transport(url, headers, body):
        sent.append((url, headers, body))
        return {"choices": [{"message": {"role": "assistant", "content": f"Score: {10 * len(sent)}"}}]}

    url = "http://judge.invalid/v1/chat/completions"
    api = judge.ApiJudge("judge-model", url, "JUDGE_TEST_KEY", transport)
    assert api.complete(["first prompt", "second prompt"]) == ["Score: 10", "Score: 20"]
    assert sent[0][0] == url
    headers, body = sent[0][1:]
    assert headers["Authorization"] == "Bearer sk-test"
    assert body == {"model": "judge-model", "messages": [{"role": "user", "content": "first prompt"}],
                    "temperature": 0}
    report = judge.judge(api, [item("Roma")])
    assert report.scores == [30]
    assert sent[-1][2]["messages"][0]["content"] == judge.judge_prompt(**item("Roma"))


def test_api_judge_errors_name_the_key_variable_and_the_prompt(monkeypatch):
    monkeypatch.delenv("JUDGE_TEST_KEY", raising=False)
    api = judge.ApiJudge(key_variable="JUDGE_TEST_KEY", transport=lambda *args: {})
    with pytest.raises(RuntimeError, match="JUDGE_TEST_KEY.*LocalJudge, which needs none"):
        api.complete(["prompt"])
    monkeypatch.setenv("JUDGE_TEST_KEY", "sk-test")
    with pytest.raises(ValueError, match=r"^prompt 1: no choices\[0\].message.content in \{\}"):
        api.complete(["prompt"])

    def refused(url, headers, body):
        raise ConnectionRefusedError("connection refused")

    with pytest.raises(RuntimeError, match="^prompt 1: the request to .* failed: connection refused"):
        judge.ApiJudge(key_variable="JUDGE_TEST_KEY", transport=refused).complete(["prompt"])
