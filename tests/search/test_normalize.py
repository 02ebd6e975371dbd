"""The normal form: full/half width, kana, case, long vowels, middle dots, spaces."""

from __future__ import annotations

import pytest

from app.search.normalize import normalize, terms


@pytest.mark.parametrize(
    "a,b",
    [
        ("ｔシャツ", "Tシャツ"),  # full-width / half-width Latin, case
        ("ｺｰﾋｰ", "コーヒー"),  # half-width katakana and its long-vowel mark
        ("コーヒー", "こーひー"),  # katakana / hiragana
        ("コ－ヒ－", "コーヒー"),  # a full-width minus used as a long-vowel mark
        ("ボディ・ソープ", "ボディソープ"),  # middle dot
        ("ボディ･ソープ", "ボディソープ"),  # half-width middle dot
        ("ＯＲＧＡＮＩＣ", "organic"),
        ("１００ｇ", "100g"),
        ("ヴィンテージ", "ゔぃんてーじ"),
    ],
)
def test_variants_of_one_word_normalise_alike(a, b):
    assert normalize(a) == normalize(b)


def test_different_words_stay_different():
    assert normalize("てぃーしゃつ") != normalize("Tシャツ")  # the merchant's synonyms bridge this


def test_spaces_of_any_width_separate_words_and_control_characters_vanish():
    assert terms("緑茶\u3000 ギフト\t緑茶") == ["緑茶", "ぎふと"]
    assert normalize("ab\u200bc\u202e") == "ab c"
    assert terms("") == [] and terms("   ") == []


def test_long_queries_are_cut():
    assert len(" ".join(terms("あ" * 5000))) <= 100
    assert len(terms(" ".join(f"w{i}" for i in range(50)))) == 8
