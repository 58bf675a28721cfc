"""Sample submissions of ``tfidf_distances``: honest variants, typical mistakes, the blank release."""

from ..samples import Sample

_DENSE_LOOPS_TFIDF = '''
import math

def tfidf_from_counts(counts):
    """Dense, with explicit loops over documents and terms."""
    dense = counts.toarray() if sp.issparse(counts) else np.array(counts, dtype=float)
    n_docs, n_terms = dense.shape
    result = np.zeros((n_docs, n_terms))
    for t in range(n_terms):
        df = sum(1 for d in range(n_docs) if dense[d, t] > 0)
        idf = math.log((1 + n_docs) / (1 + df)) + 1
        for d in range(n_docs):
            result[d, t] = dense[d, t] * idf
    for d in range(n_docs):
        norm = math.sqrt(sum(v * v for v in result[d]))
        if norm > 0:
            result[d] /= norm
    return sp.csr_matrix(result)
'''

_NOISY_TFIDF = '''
import sys
import warnings

def tfidf_from_counts(counts):
    """Vectorized on a dense array; divides by zero norms and cleans up, printing warnings on the way."""
    warnings.warn("computing tf-idf by hand", UserWarning)
    print("debug: starting tf-idf", file=sys.stderr)
    dense = np.asarray(counts.todense() if sp.issparse(counts) else counts, dtype=float)
    n = dense.shape[0]
    df = np.count_nonzero(dense, axis=0)
    weighted = dense * (np.log((1 + n) / (1 + df)) + 1)
    normalized = weighted / np.linalg.norm(weighted, axis=1, keepdims=True)   # RuntimeWarning on empty rows
    return sp.csr_matrix(np.nan_to_num(normalized))
'''

SAMPLES = [
    Sample("solution", "honest", why="the instructor's solution"),
    Sample(
        "dense_loops",
        "honest",
        cells={
            "tfidf_from_counts": _DENSE_LOOPS_TFIDF,
            "tfidf_features": (
                "vectorizer = TfidfVectorizer()\n"
                "ng_tfidf = vectorizer.fit_transform(ng_X)\n"
                "n_documents = len(ng_X)\n"
                "n_terms = len(vectorizer.get_feature_names_out())\n"
                "n_stored = int(np.count_nonzero(ng_tfidf.toarray()))\n"
            ),
            "block_means": (
                "n_first = int((ng_y == 0).sum())\n"
                "n = len(ng_distances)\n"
                "sums = {'g': 0.0, 'c': 0.0, 'b': 0.0}\n"
                "for i in range(n):\n"
                "    for j in range(n):\n"
                "        if i < n_first and j < n_first and i != j:\n"
                "            sums['g'] += ng_distances[i, j]\n"
                "        elif i >= n_first and j >= n_first and i != j:\n"
                "            sums['c'] += ng_distances[i, j]\n"
                "        elif (i < n_first) != (j < n_first):\n"
                "            sums['b'] += ng_distances[i, j]\n"
                "n_second = n - n_first\n"
                "within_first_mean = sums['g'] / (n_first * (n_first - 1))\n"
                "within_second_mean = sums['c'] / (n_second * (n_second - 1))\n"
                "between_mean = sums['b'] / (2 * n_first * n_second)\n"
            ),
        },
        why="dense arrays and Python loops instead of sparse, vectorized code (the features stay sparse: an SVC on a dense 1179 x 24257 matrix is too slow to grade)",
    ),
    Sample(
        "pandas_and_warnings",
        "honest",
        cells={
            "tfidf_from_counts": _NOISY_TFIDF,
            "classifier_scores": (
                "from sklearn.metrics import accuracy_score\n"
                "mnb = MultinomialNB()\n"
                "mnb.fit(ng_vec_train, ng_y_train)\n"
                "svc = SVC(kernel='rbf')\n"
                "svc.fit(ng_vec_train, ng_y_train)\n"
                "mnb_score = accuracy_score(ng_y_test, mnb.predict(ng_vec_test))\n"
                "svc_score = np.mean(svc.predict(ng_vec_test) == ng_y_test)\n"
            ),
            "confusion_table": (
                "names = np.array(selected_categories)\n"
                "confusion_df = pd.crosstab(\n"
                "    pd.Categorical(names[svc.predict(ng_vec_test)], categories=selected_categories),\n"
                "    pd.Categorical(names[ng_y_test], categories=selected_categories),\n"
                "    dropna=False,\n"
                ")\n"
                "confusion_df.index = pd.MultiIndex.from_tuples([('predicted class', c) for c in selected_categories])\n"
                "confusion_df.columns = pd.MultiIndex.from_tuples([('actual class', c) for c in selected_categories])\n"
                "confusion_df\n"
            ),
            "sorted_distances": (
                "def class_sorted_rows(y):\n"
                "    return [i for i, label in enumerate(y) if label == 0] + [i for i, label in enumerate(y) if label == 1]\n"
                "\n"
                "ng_distances = euclidean_distances(ng_tfidf[class_sorted_rows(ng_y), :])\n"
            ),
            "block_means": (
                "labels = np.sort(ng_y)\n"
                "same = labels[:, None] == labels[None, :]\n"
                "off_diagonal = ~np.eye(len(labels), dtype=bool)\n"
                "first = np.outer(labels == 0, labels == 0) & off_diagonal\n"
                "second = np.outer(labels == 1, labels == 1) & off_diagonal\n"
                "within_first_mean = ng_distances[first].mean()\n"
                "within_second_mean = ng_distances[second].mean()\n"
                "between_mean = ng_distances[~same].mean()\n"
            ),
            "heatmap_reading": (
                "means = pd.Series({selected_categories[0]: within_first_mean, selected_categories[1]: within_second_mean})\n"
                "more_diverse_category = means.idxmax()\n"
                "off = {(a, p): confusion_df.loc[('predicted class', p), ('actual class', a)]\n"
                "       for a in selected_categories for p in selected_categories if a != p}\n"
                "more_common_error = max(off, key=off.get)\n"
            ),
        },
        why="pandas, list-returning helpers, NumPy scalars, and warnings printed to stderr",
    ),
    Sample(
        "unsmoothed_idf",
        "mistake",
        cells={
            "tfidf_from_counts": (
                "def tfidf_from_counts(counts):\n"
                "    counts = sp.csr_matrix(counts, dtype=float)\n"
                "    n = counts.shape[0]\n"
                "    df = np.bincount(counts.indices, minlength=counts.shape[1])\n"
                "    with np.errstate(divide='ignore'):\n"
                "        idf = np.log(n / df) + 1\n"
                "    idf[~np.isfinite(idf)] = 0\n"
                "    weighted = counts.multiply(idf).tocsr()\n"
                "    norms = sp.linalg.norm(weighted, axis=1)\n"
                "    norms[norms == 0] = 1\n"
                "    return sp.csr_matrix(weighted.multiply(1 / norms[:, np.newaxis]))\n"
            )
        },
        expect_lost=("test_tfidf_from_counts",),
        expect_mistakes={"test_tfidf_from_counts": "unsmoothed_idf"},
        why="idf = ln(n / df) + 1, without smoothing",
    ),
    Sample(
        "no_normalization",
        "mistake",
        cells={
            "tfidf_from_counts": (
                "def tfidf_from_counts(counts):\n"
                "    counts = sp.csr_matrix(counts, dtype=float)\n"
                "    n = counts.shape[0]\n"
                "    df = np.bincount(counts.indices, minlength=counts.shape[1])\n"
                "    return sp.csr_matrix(counts.multiply(np.log((1 + n) / (1 + df)) + 1))\n"
            )
        },
        expect_lost=("test_tfidf_from_counts",),
        expect_mistakes={"test_tfidf_from_counts": "not_normalized"},
        why="rows not scaled to unit L2 norm",
    ),
    Sample(
        "stored_counts_all_cells",
        "mistake",
        cells={
            "tfidf_features": (
                "ng_tfidf = TfidfVectorizer().fit_transform(ng_X)\n"
                "n_documents, n_terms = ng_tfidf.shape\n"
                "n_stored = n_documents * n_terms\n"
            )
        },
        expect_lost=("test_tfidf_features",),
        expect_mistakes={"test_tfidf_features": "counted_all_cells"},
        why="n_stored counts every cell instead of the stored elements",
    ),
    Sample(
        "training_accuracy",
        "mistake",
        cells={
            "classifier_scores": (
                "mnb = MultinomialNB().fit(ng_vec_train, ng_y_train)\n"
                "svc = SVC(kernel='rbf').fit(ng_vec_train, ng_y_train)\n"
                "mnb_score = mnb.score(ng_vec_train, ng_y_train)\n"
                "svc_score = svc.score(ng_vec_train, ng_y_train)\n"
            )
        },
        expect_lost=("test_classifier_scores",),
        expect_mistakes={"test_classifier_scores": "training_accuracy"},
        why="accuracy measured on the training part",
    ),
    Sample(
        "confusion_transposed",
        "mistake",
        cells={
            "confusion_table": (
                "confusion_df = pd.DataFrame(\n"
                "    confusion_matrix(ng_y_test, svc.predict(ng_vec_test)),\n"
                "    index=pd.MultiIndex.from_product([['predicted class'], selected_categories]),\n"
                "    columns=pd.MultiIndex.from_product([['actual class'], selected_categories]),\n"
                ")\n"
            )
        },
        expect_lost=("test_confusion_table",),
        expect_mistakes={"test_confusion_table": "confusion_transposed"},
        why="sklearn's confusion matrix used as is (actual classes on the rows)",
    ),
    Sample(
        "diagonal_in_block_means",
        "mistake",
        cells={
            "block_means": (
                "n_first = int(np.sum(ng_y == 0))\n"
                "within_first_mean = float(ng_distances[:n_first, :n_first].mean())\n"
                "within_second_mean = float(ng_distances[n_first:, n_first:].mean())\n"
                "between_mean = float(ng_distances[:n_first, n_first:].mean())\n"
            )
        },
        expect_lost=("test_block_means",),
        expect_mistakes={"test_block_means": "diagonal_counted"},
        why="the zero diagonal counted in the within-category means",
    ),
    Sample(
        "wrong_category",
        "mistake",
        cells={
            "heatmap_reading": (
                "more_diverse_category = selected_categories[int(within_second_mean < within_first_mean)]\n"
                "errors = confusion_df.to_numpy().copy()\n"
                "np.fill_diagonal(errors, -1)\n"
                "predicted, actual = np.unravel_index(np.argmax(errors), errors.shape)\n"
                "more_common_error = (selected_categories[actual], selected_categories[predicted])\n"
            )
        },
        expect_lost=("test_heatmap_reading",),
        expect_mistakes={"test_heatmap_reading": "less_diverse_category"},
        why="the less diverse category named",
    ),
    Sample(
        "error_reversed",
        "mistake",
        cells={
            "heatmap_reading": (
                "more_diverse_category = selected_categories[int(within_second_mean > within_first_mean)]\n"
                "errors = confusion_df.to_numpy().copy()\n"
                "np.fill_diagonal(errors, -1)\n"
                "predicted, actual = np.unravel_index(np.argmax(errors), errors.shape)\n"
                "more_common_error = (selected_categories[predicted], selected_categories[actual])\n"
            )
        },
        expect_lost=("test_heatmap_reading",),
        expect_mistakes={"test_heatmap_reading": "error_order_reversed"},
        why="(predicted, actual) instead of (actual, predicted)",
    ),
    Sample("blank", "blank", why="the student version, untouched"),
]
