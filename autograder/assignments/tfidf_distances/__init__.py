"""TF-IDF features and distance heatmaps: students turn 20 Newsgroups posts into TF-IDF features, train two
classifiers and read a euclidean-distance heatmap. Notebook: ``source/tfidf_distances/``."""

from ..data import DataFile
from ..spec import Assignment
from .mistakes import MISTAKES, PUBLIC_TEST_MISTAKES

NEWSGROUPS = DataFile(
    name="20news-bydate_py3.pkz",
    what="20 Newsgroups data",
    how_to_get=(
        "Point SCIKIT_LEARN_DATA at a folder holding 20news-bydate_py3.pkz: in this course's checkout that is "
        "`export SCIKIT_LEARN_DATA=$PWD/../shared/scikit_learn_data`; on a machine with internet access, "
        "`python -c 'from sklearn.datasets import fetch_20newsgroups as f; f()'` downloads it once to "
        "~/scikit_learn_data."
    ),
)

ASSIGNMENT = Assignment(
    name="tfidf_distances",
    title="TF-IDF features and distance heatmaps",
    mistakes=MISTAKES,
    public_test_mistakes=PUBLIC_TEST_MISTAKES,
    similarity_corpus="similarity_authors",
    data=(NEWSGROUPS,),
    preimports=("numpy", "pandas", "scipy.sparse", "matplotlib.pyplot", "seaborn", "sklearn.datasets",
                "sklearn.feature_extraction.text", "sklearn.metrics", "sklearn.metrics.pairwise",
                "sklearn.model_selection", "sklearn.naive_bayes", "sklearn.svm"),
)
