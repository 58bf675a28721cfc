"""Independent honest authors of ``tfidf_distances``: grade_id -> the whole cell a student hands in."""

from . import samples

_DENSE = next(s for s in samples.SAMPLES if s.name == "dense_loops").cells
_PANDAS = next(s for s in samples.SAMPLES if s.name == "pandas_and_warnings").cells

# The instructor's solution is author "solution" (every cell from source/).
LOOPS = dict(_DENSE) | {
    "classifier_scores": (
        "from sklearn.metrics import accuracy_score\n"
        "\n"
        "nb_model = MultinomialNB()\n"
        "nb_model.fit(ng_vec_train, ng_y_train)\n"
        "nb_predictions = nb_model.predict(ng_vec_test)\n"
        "svm_model = SVC(kernel='rbf')\n"
        "svm_model.fit(ng_vec_train, ng_y_train)\n"
        "svm_predictions = svm_model.predict(ng_vec_test)\n"
        "mnb = nb_model\n"
        "svc = svm_model\n"
        "mnb_score = accuracy_score(ng_y_test, nb_predictions)\n"
        "svc_score = accuracy_score(ng_y_test, svm_predictions)\n"
        "print(f'MultinomialNB: {mnb_score:.3f}   SVC: {svc_score:.3f}')\n"
    ),
    "confusion_table": (
        "predicted = svc.predict(ng_vec_test)\n"
        "table = np.zeros((2, 2), dtype=int)\n"
        "for p, a in zip(predicted, ng_y_test):\n"
        "    table[p, a] += 1\n"
        "rows = pd.MultiIndex.from_tuples([('predicted class', name) for name in selected_categories])\n"
        "cols = pd.MultiIndex.from_tuples([('actual class', name) for name in selected_categories])\n"
        "confusion_df = pd.DataFrame(table, index=rows, columns=cols)\n"
        "confusion_df\n"
    ),
    "sorted_distances": (
        "def class_sorted_rows(y):\n"
        '    """Return the row indices of all class-0 entries of y, then all class-1 entries, each in original order."""\n'
        "    first = []\n"
        "    second = []\n"
        "    for index in range(len(y)):\n"
        "        if y[index] == 0:\n"
        "            first.append(index)\n"
        "        else:\n"
        "            second.append(index)\n"
        "    return np.array(first + second)\n"
        "\n"
        "\n"
        "order = class_sorted_rows(ng_y)\n"
        "sorted_tfidf = ng_tfidf[order]\n"
        "ng_distances = euclidean_distances(sorted_tfidf, sorted_tfidf)\n"
    ),
    "heatmap_reading": (
        "first, second = selected_categories\n"
        "if within_first_mean > within_second_mean:\n"
        "    more_diverse_category = first\n"
        "else:\n"
        "    more_diverse_category = second\n"
        "\n"
        "first_taken_for_second = confusion_df.iloc[1, 0]\n"
        "second_taken_for_first = confusion_df.iloc[0, 1]\n"
        "if second_taken_for_first > first_taken_for_second:\n"
        "    more_common_error = (second, first)\n"
        "else:\n"
        "    more_common_error = (first, second)\n"
        "print(more_diverse_category, more_common_error)\n"
    ),
    "heatmap_explanation": (
        "Looking at the heatmap, the squares on the diagonal (graphics with graphics, crypt with crypt) are "
        "darker than the two off-diagonal squares, so posts from the same newsgroup are on average nearer to "
        "each other. That matches the classifiers doing so well. But the colours are close together: "
        "almost every pair of posts is at a distance near 1.4, because two short posts rarely share many "
        "words and the TF-IDF rows have length one. Graphics posts spread out more (the top-left block is "
        "lighter), and most SVC errors are crypt posts predicted as graphics."
    ),
}

PANDAS = dict(_PANDAS) | {
    # The obvious answer, word for word the instructor's: too short to tell copying from knowing the API.
    "tfidf_features": (
        "ng_tfidf = TfidfVectorizer().fit_transform(ng_X)\n"
        "n_documents, n_terms = ng_tfidf.shape\n"
        "n_stored = ng_tfidf.nnz\n"
        "print(f'{n_documents} documents, {n_terms} terms, {n_stored} stored elements')\n"
    ),
    "heatmap_explanation": (
        "**Reading the plot.** Within-class blocks are a bit darker than between-class blocks, i.e. the "
        "euclidean distance between two documents of the same category tends to be smaller. This is what "
        "lets MultinomialNB and the SVC separate the categories with high accuracy. The effect is small "
        "since TF-IDF vectors are normalized and very sparse: most document pairs have almost no terms in "
        "common, so their distance is close to sqrt(2) whichever categories they belong to. comp.graphics "
        "has the larger within-class mean distance, so it is the more heterogeneous category."
    ),
}

OWN = {
    "tfidf_from_counts": (
        "def tfidf_from_counts(counts):\n"
        '    """Return the TF-IDF matrix (scipy.sparse CSR) of a document-term count matrix.\n'
        "\n"
        "    counts: a NumPy array or SciPy sparse matrix of shape (n_documents, n_terms).\n"
        "    tf is the raw count, idf = ln((1 + n) / (1 + df)) + 1, and every nonzero row has unit L2 norm.\n"
        '    """\n'
        "    # reuse scikit-learn's transformer with the settings that match the formula\n"
        "    transformer = TfidfTransformer(norm='l2', use_idf=True, smooth_idf=True, sublinear_tf=False)\n"
        "    result = transformer.fit_transform(sp.csr_matrix(counts))\n"
        "    return result.tocsr()\n"
    ),
    "tfidf_features": (
        "tfidf_vectorizer = TfidfVectorizer()\n"
        "ng_tfidf = tfidf_vectorizer.fit_transform(ng_X)\n"
        "shape = ng_tfidf.shape\n"
        "n_documents = shape[0]\n"
        "n_terms = shape[1]\n"
        "n_stored = len(ng_tfidf.data)\n"
        "print(f'{n_documents} documents, {n_terms} terms, {n_stored} stored elements')\n"
    ),
    "classifier_scores": (
        "models = {'mnb': MultinomialNB(), 'svc': SVC(kernel=\"rbf\")}\n"
        "scores = {}\n"
        "for name, model in models.items():\n"
        "    model.fit(ng_vec_train, ng_y_train)\n"
        "    scores[name] = (model.predict(ng_vec_test) == ng_y_test).mean()\n"
        "mnb, svc = models['mnb'], models['svc']\n"
        "mnb_score, svc_score = scores['mnb'], scores['svc']\n"
        "print(f'MultinomialNB: {mnb_score:.3f}   SVC: {svc_score:.3f}')\n"
    ),
    "confusion_table": (
        "cm = confusion_matrix(ng_y_test, svc.predict(ng_vec_test), labels=[0, 1])\n"
        "confusion_df = pd.DataFrame(cm.transpose())\n"
        "confusion_df.index = pd.MultiIndex.from_arrays([['predicted class'] * 2, selected_categories])\n"
        "confusion_df.columns = pd.MultiIndex.from_arrays([['actual class'] * 2, selected_categories])\n"
        "confusion_df\n"
    ),
    "sorted_distances": (
        "def class_sorted_rows(y):\n"
        '    """Return the row indices of all class-0 entries of y, then all class-1 entries, each in original order."""\n'
        "    return np.argsort(np.asarray(y), kind='stable')\n"
        "\n"
        "\n"
        "ng_distances = euclidean_distances(ng_tfidf[class_sorted_rows(ng_y), :])\n"
    ),
    "block_means": (
        "g = int((ng_y == 0).sum())\n"
        "mask = np.ones(ng_distances.shape, dtype=bool)\n"
        "np.fill_diagonal(mask, False)\n"
        "top_left = ng_distances[:g, :g][mask[:g, :g]]\n"
        "bottom_right = ng_distances[g:, g:][mask[g:, g:]]\n"
        "within_first_mean = top_left.mean()\n"
        "within_second_mean = bottom_right.mean()\n"
        "between_mean = np.mean(ng_distances[g:, :g])\n"
        "print(f'within {selected_categories[0]} {within_first_mean:.4f}, within {selected_categories[1]} {within_second_mean:.4f}, between {between_mean:.4f}')\n"
    ),
    "heatmap_reading": (
        "diverse_index = np.argmax([within_first_mean, within_second_mean])\n"
        "more_diverse_category = selected_categories[diverse_index]\n"
        "values = confusion_df.values\n"
        "wrong = [(values[p, a], (selected_categories[a], selected_categories[p]))\n"
        "         for a in range(2) for p in range(2) if p != a]\n"
        "more_common_error = sorted(wrong)[-1][1]\n"
        "print(more_diverse_category, more_common_error)\n"
    ),
    "heatmap_explanation": (
        "I expected a strong checkerboard and got a faint one. Documents from one category do sit slightly "
        "closer together than documents from different categories, which the dark diagonal blocks show, "
        "and that separation is enough for an SVM to classify almost everything right. Still, every TF-IDF "
        "vector has norm one and shares only a handful of words with most others, so nearly all distances "
        "sit around the square root of two and the picture looks washed out. Graphics is the looser group; "
        "crypt is tighter, and the classifier mostly errs by calling crypt posts graphics."
    ),
}

AUTHORS = {"solution": None, "loops": LOOPS, "pandas": PANDAS, "own": OWN}
# the cell that the "one copied cell" student of the corpus takes from another student
COPIED_CELL = "tfidf_from_counts"
