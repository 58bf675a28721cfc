"""What a code cell becomes before comparing: disguises undone, different work kept different."""

from autograder.similarity.code_tokens import statements
from autograder.similarity.text_tokens import shingles, words

from .similarity_corpus import disguise

CELL = '''
import math
from scipy.special import expit

def helper(block, k=2):
    """Mean of the block without its diagonal."""
    n = block.shape[0]  # rows
    total = block.sum() - np.trace(block)
    return float(total / (n * (n - 1)))

result = helper(ng_distances[:10, :10])
scale = math.sqrt(2)
print('done', result)
'''
GIVEN = {"np", "ng_distances", "print"}


def normalized(source):
    return sorted(s.tokens for s in statements(source, GIVEN))


def test_renamed_reformatted_reordered_recommented_is_the_same():
    original = normalized(CELL)
    for change in (lambda s: disguise.rename(s, keep=GIVEN), disguise.reformat, disguise.reorder, disguise.recomment):
        changed = change(CELL)
        assert changed != CELL
        assert normalized(changed) == original, change


def test_library_calls_and_given_names_are_kept_own_names_are_not():
    tokens = {t for s in statements(CELL, GIVEN) for t in s.tokens}
    assert {"np", "trace", "ng_distances", "math", "sqrt", "expit", "float"} <= tokens
    assert not {"helper", "block", "total", "result", "scale", "k", "n"} & tokens
    assert normalized("x = np.log(y)") != normalized("x = np.exp(y)")


def test_statements_keep_their_lines_for_highlighting():
    found = statements("a = (1,\n     2)\nfor i in range(3):\n    b = i\n", set())
    assert [(s.first_line, s.last_line) for s in found] == [(1, 2), (3, 3), (4, 4)]


def test_code_that_does_not_parse_is_still_read():
    found = statements("%matplotlib inline\nx = = np.log(y)  # oops\n", {"np"})
    assert [s.tokens for s in found] == [("V", "=", "=", "np", ".", "log", "(", "V", ")")]


def test_words_ignore_case_punctuation_and_markdown():
    assert words("**The** heat-map, *clearly*!").words == ("the", "heat", "map", "clearly")
    assert shingles("abcd", 3) == [tuple("abc"), tuple("bcd")] and shingles("ab", 3) == [tuple("ab")]
