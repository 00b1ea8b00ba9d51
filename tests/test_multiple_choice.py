"""Multiple choice (`multiple_choice`): the bundled bilingual sample, the file checks, the MMLU rows,
the letter read from written answers, and the scored letter: the argmax of full forward passes."""

import json
from collections import Counter

import pytest
import torch

from biss_helpers import multiple_choice as mc
from biss_helpers import prompts, tiny

pytestmark = pytest.mark.usefixtures("one_thread")

GOOD = {"id": "q1", "language": "en", "subject": "arithmetic", "question": "What is 2 + 2?",
        "options": ["3", "4", "5", "6"], "answer": "B"}


@pytest.fixture(scope="module")
def model(tok):
    return tiny.llama(tok, seed=1)


def write(tmp_path, rows) -> str:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return str(path)


def test_the_sample_has_16_questions_per_language_with_the_right_letter_spread():
    questions = mc.sample()
    assert len(questions) == 32 and len({q.id for q in questions}) == 32
    assert Counter(q.language for q in questions) == {"it": 16, "en": 16}
    for language in ("it", "en"):
        assert Counter(q.answer for q in questions if q.language == language) == dict.fromkeys("ABCD", 4)
    assert all(len(q.options) == 4 and len(set(q.options)) == 4 and q.subject for q in questions)
    assert mc.read(mc.SAMPLE) == questions


def test_read_names_the_file_and_the_line_of_what_is_wrong(tmp_path):
    no_options = {key: value for key, value in GOOD.items() if key != "options"}
    path = write(tmp_path, [GOOD, "", no_options])
    with pytest.raises(ValueError, match=r"questions\.jsonl line 3: no 'options'"):
        mc.read(path)
    path = write(tmp_path, [{**GOOD, "answer": "E"}])
    with pytest.raises(ValueError, match=r"questions\.jsonl line 1: question q1: answer 'E' .* A-D"):
        mc.read(path)
    with pytest.raises(ValueError, match=r"line 2: not JSON"):
        mc.read(write(tmp_path, [GOOD, "{oops"]))
    with pytest.raises(ValueError, match=r"line 2: id 'q1' already on line 1"):
        mc.read(write(tmp_path, [GOOD, GOOD]))
    with pytest.raises(ValueError, match=r"line 1: question q1: 1 options; give 2 to 10"):
        mc.read(write(tmp_path, [{**GOOD, "options": ["4"], "answer": "A"}]))
    [question] = mc.read(write(tmp_path, [GOOD]))
    assert question == mc.Question("q1", "What is 2 + 2?", ("3", "4", "5", "6"), "B", "en", "arithmetic")


def test_mmlu_rows_become_questions_with_the_answer_index_as_a_letter():
    rows = [{"question": "2 + 3?", "subject": "elementary_mathematics", "choices": ["4", "5", "6", "7"],
             "answer": 1},
            {"question": "Sky colour?", "subject": "misc", "choices": ["red", "blue", "green", "grey"],
             "answer": 3, "id": "mmlu-test-9"}]
    first, second = mc.from_mmlu(rows)
    assert first == mc.Question("mmlu-1", "2 + 3?", ("4", "5", "6", "7"), "B", "en", "elementary_mathematics")
    assert second.id == "mmlu-test-9" and second.answer == "D"
    assert len(mc.from_mmlu(rows, limit=1)) == 1
    with pytest.raises(ValueError, match="question mmlu-1: answer 4 is not an index of its 4 choices"):
        mc.from_mmlu([{**rows[0], "answer": 4}])


def test_offline_load_is_the_bundled_sample(monkeypatch, capsys):
    monkeypatch.setenv("BISS_OFFLINE", "1")
    assert mc.load(limit=5) == mc.sample()
    assert "offline mode: dataset cais/mmlu -> the project's bilingual sample" in capsys.readouterr().out


def test_the_prompt_lists_the_options_with_the_instruction_in_the_question_language(tok):
    it, en = mc.sample()[0], mc.sample()[16]
    assert (it.language, en.language) == ("it", "en")
    text = mc.prompt(it, "alpaca_en")
    assert mc.INSTRUCTIONS["it"] in text and "A. Roma\nB. Milano\nC. Napoli\nD. Torino" in text
    assert text == prompts.build_prompt(mc.INSTRUCTIONS["it"], mc.question_text(it), "alpaca_en")
    chat = mc.prompt(en, "chat", tok)
    assert mc.INSTRUCTIONS["en"] in chat and chat.endswith("<|im_start|>assistant\n")


@pytest.mark.parametrize(("text", "letter"), [
    ("B", "B"), ("B.", "B"), ("(B)", "B"), ("B) Roma", "B"), ("The answer is C", "C"), ("Risposta: D", "D"),
    ("c", "C"), (" a. ", "A"), ("La risposta è la B.", "B"), ("B) Washington, D.C.", "B"),
    ("A or B", None), ("A. Roma\nB. Milano", None), ("E", None), ("I don't know", None), ("Roma", None),
    ("", None), ("H2O", None), ("the answer is c", None),
])
def test_parse_letter_reads_one_option_letter_or_none(text, letter):
    assert mc.parse_letter(text, 4) == letter


def test_parse_letter_only_takes_the_question_own_letters():
    assert mc.parse_letter("C", 2) is None and mc.parse_letter("E", 5) == "E"


def log_likelihoods(model, tok, question, style) -> list[float]:
    """Each letter's summed log-probability (letter tokens + EOS) from a full forward pass."""
    ids = prompts.token_ids(mc.prompt(question, style, tok), tok, prompts.adds_special_tokens(style))
    scores = []
    for letter in mc.LETTERS[:len(question.options)]:
        answer = tok(letter, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        with torch.no_grad():
            logp = torch.log_softmax(model(torch.tensor([ids + answer])).logits[0].float(), dim=-1)
        scores.append(sum(logp[len(ids) - 1 + j, t].item() for j, t in enumerate(answer)))
    return scores


@pytest.mark.parametrize("style", ["alpaca_en", "chat"])
def test_score_picks_the_letter_of_highest_likelihood(model, tok, style):
    questions = [*mc.sample()[:3], *mc.sample()[16:19]]
    result = mc.score(model, tok, questions, style=style, batch_size=4)
    for question, letter in zip(questions, result.letters, strict=True):
        scores = log_likelihoods(model, tok, question, style)
        ranked = sorted(scores, reverse=True)
        assert ranked[0] - ranked[1] > 1e-4  # no near-tie that rounding could flip
        assert letter == mc.LETTERS[scores.index(ranked[0])]
    assert result.correct == [letter == q.answer for q, letter in zip(questions, result.letters, strict=True)]
    assert result.seconds > 0


def test_every_scored_answer_is_one_of_the_question_own_letters(model, tok):
    two = mc.Question("two", "Is Rome in Italy?", ("yes", "no"), "A", "en")
    ten = mc.Question("ten", "Pick J.", tuple("0123456789"), "J", "it")
    questions = [*mc.sample(), two, ten]
    result = mc.score(model, tok, questions)
    assert len(result.letters) == len(questions) and result.valid == len(questions)
    for question, letter in zip(questions, result.letters, strict=True):
        assert letter in mc.LETTERS[:len(question.options)]
    assert set(result.by_language()) == {"it", "en"}


def test_generate_gives_one_entry_per_question_in_order(model, tok):
    questions = mc.sample()[::4]
    result = mc.generate(model, tok, questions, batch_size=3, max_new_tokens=3)
    assert len(result.letters) == len(result.correct) == len(result.texts) == len(questions)
    for question, text, letter in zip(questions, result.texts, result.letters, strict=True):
        assert letter == mc.parse_letter(text, len(question.options))
        assert letter is None or letter in "ABCD"


def test_result_counts_accuracy_valid_answers_and_languages():
    result = mc.Result(["A", None, "C", "D"], [True, False, False, True], 1.25, ["it", "it", "en", "en"])
    assert result.accuracy == 0.5 and result.valid == 3
    assert result.by_language() == {"it": 0.5, "en": 0.5}
    assert result.summary() == "4 questions: accuracy 0.50 (it 0.50, en 0.50), 3 valid answers, 1.2 s"
    assert mc.Result([], [], 0.0).accuracy == 0.0


def test_a_question_is_checked_when_made():
    with pytest.raises(ValueError, match="question x: answer 'C' is not one of its option letters A-B"):
        mc.Question("x", "?", ("a", "b"), "C")
    with pytest.raises(ValueError, match="question x: 11 options"):
        mc.Question("x", "?", tuple("abcdefghijk"), "A")
    with pytest.raises(ValueError, match="question x: every option must be a non-empty string"):
        mc.Question("x", "?", ("a", " "), "A")
