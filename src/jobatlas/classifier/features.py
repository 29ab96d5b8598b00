"""Turn raw job text into sparse features: character and word n-grams plus head-noun tokens."""

from __future__ import annotations

import weakref
from collections import Counter
from functools import partial
from itertools import chain
from operator import is_not

import numpy as np
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

from jobatlas.classifier.text import normalize_text, title_head

TEXT, HEAD = 0, 1


def head_tokens(text: str, normalized: str | None = None, fix=None) -> str:
    """Return tokens naming the last one and two words of a title's head ("h1=driver").

    ``normalized`` is ``normalize_text(text)`` if the caller has it (after ``fix``): a title
    that is its own head (most are) is then not normalized twice. ``fix``, if given, is
    applied to normalized text (spelling correction).
    """
    head = title_head(text)
    if normalized is not None and head == text:
        words = normalized.split()[-2:]
    else:
        head = normalize_text(head)
        words = (fix(head) if fix is not None else head).split()[-2:]
    if not words:
        return ""
    tokens = [f"h1={words[-1]}"]
    if len(words) == 2:
        tokens.append(f"h2={words[0]}_{words[1]}")
    return " ".join(tokens)


def prepare(texts, fix=None) -> np.ndarray:
    """Return an (n, 2) object array: normalized text and head tokens of each input.

    ``fix``, if given, maps normalized text to corrected text (``spelling.Speller.correct``
    of a fitted model; training texts need none, their words are the vocabulary).
    """
    texts = np.asarray(texts, dtype=object).ravel()
    out = np.empty((len(texts), 2), dtype=object)
    for i, text in enumerate(texts):
        text = str(text)
        normalized = normalize_text(text)
        out[i, TEXT] = fix(normalized) if fix is not None else normalized
        out[i, HEAD] = head_tokens(text, out[i, TEXT], fix)
    return out


def _split(text: str) -> list[str]:
    return text.split()


def make_features(
    char_ngrams: tuple[int, int] = (2, 5),
    word_ngrams: tuple[int, int] = (1, 2),
    max_features: int | None = 300_000,
    head_weight: float = 1.0,
    min_df: int = 1,
) -> Pipeline:
    """Return the feature pipeline: normalize, then TF-IDF char, word and head-noun blocks."""
    common = {"sublinear_tf": True, "dtype": np.float32, "min_df": min_df}
    vectorizers = ColumnTransformer(
        [
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams,
                                      max_features=max_features, **common), TEXT),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=word_ngrams,
                                      token_pattern=r"\S+", max_features=max_features,
                                      **common), TEXT),
            ("heads", TfidfVectorizer(analyzer=_split, lowercase=False, **common), HEAD),
        ],
        transformer_weights={"chars": 1.0, "words": 1.0, "heads": head_weight},
        sparse_threshold=1.0,
    )
    return Pipeline([("prepare", FunctionTransformer(prepare)), ("vectorize", vectorizers)])


def transform(features: Pipeline, texts) -> sp.csr_matrix:
    """Return ``features.transform(texts)`` for a fitted ``make_features`` pipeline.

    The same blocks, weights and column order, without the column transformer's per-call
    validation and dispatch, which cost more than featurizing one title.
    """
    return transform_prepared(features, prepare(texts))


def transform_prepared(features: Pipeline, prepared: np.ndarray) -> sp.csr_matrix:
    """Return the features of ``prepare`` output (callers that keep the normalized texts)."""
    vectorize = features.named_steps["vectorize"]
    weights = vectorize.transformer_weights or {}
    blocks = []
    for name, transformer, column in vectorize.transformers_:
        if isinstance(transformer, str):  # "drop" or "passthrough" of unused columns
            continue
        block = tfidf_transform(transformer, prepared[:, column])
        weight = weights.get(name, 1.0)
        blocks.append(block * weight if weight != 1.0 else block)
    return sp.hstack(blocks, format="csr", dtype=np.float32)


def tfidf_transform(vectorizer, documents) -> sp.csr_matrix:
    """Return ``vectorizer.transform(documents)`` for a fitted ``TfidfVectorizer``.

    The same counting, sublinear tf, idf and l2 steps in the same order (so the same floats),
    without the per-call parameter and input validation, which costs more than the counting
    for a title (about 0.3 ms of a 0.5 ms transform). Other settings use ``transform``.
    """
    if not _plain_tfidf(vectorizer):
        return vectorizer.transform(documents)
    vocabulary = vectorizer.vocabulary_
    columns_of = _column_reader(vectorizer)
    columns: list[int] = []
    counts: list[int] = []
    indptr = [0]
    for document in documents:
        counter = Counter(columns_of(document))  # counts at C speed
        columns.extend(counter)
        counts.extend(counter.values())
        indptr.append(len(columns))
    matrix = sp.csr_matrix(
        (np.asarray(counts, dtype=vectorizer.dtype), np.asarray(columns, dtype=np.int32),
         np.asarray(indptr, dtype=np.int32)),
        shape=(len(indptr) - 1, len(vocabulary)),
    )
    matrix.sort_indices()
    if vectorizer.sublinear_tf:
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
    if vectorizer.use_idf:
        matrix.data *= vectorizer.idf_[matrix.indices]
    if vectorizer.norm == "l2":
        inplace_csr_row_normalize_l2(matrix)
    return matrix


# Vocabulary columns of each word's character n-grams, per fitted vectorizer. A resume has
# thousands of n-grams but a few hundred words, and words recur across requests.
_WORD_COLUMNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
WORD_CACHE_SIZE = 200_000


def _column_reader(vectorizer):
    """Return a function from a document to the vocabulary columns of its n-grams."""
    analyze, vocabulary = vectorizer.build_analyzer(), vectorizer.vocabulary_
    if _split_word_ngrams(vectorizer):
        return _word_ngram_reader(vectorizer, analyze)
    if not _word_local_char_ngrams(vectorizer):
        return lambda document: [c for c in map(vocabulary.get, analyze(document))
                                 if c is not None]
    columns_of = char_columns_reader(vectorizer)
    cached = _WORD_COLUMNS[vectorizer].get
    lowercase = vectorizer.lowercase

    def read(document: str) -> list[int]:
        words = (document.lower() if lowercase else document).split()
        per_word = list(map(cached, words))  # most words are cached: no Python call each
        if None in per_word:
            per_word = [columns if columns is not None else columns_of(word)
                        for word, columns in zip(words, per_word, strict=True)]
        return list(chain.from_iterable(per_word))

    return read


def char_columns_reader(vectorizer):
    """Return a function from one word to the vocabulary columns of its char_wb n-grams.

    char_wb n-grams never cross a space, so analyzing one word alone gives its share of any
    text's n-grams; the columns are cached per word (bounded).
    """
    analyze, vocabulary = vectorizer.build_analyzer(), vectorizer.vocabulary_
    cache = _WORD_COLUMNS.setdefault(vectorizer, {})

    def columns_of(word: str) -> list[int]:
        columns = cache.get(word)
        if columns is None:
            columns = [c for c in map(vocabulary.get, analyze(word)) if c is not None]
            if len(cache) >= WORD_CACHE_SIZE:
                cache.clear()
            cache[word] = columns
        return columns

    return columns_of


def _word_ngram_reader(vectorizer, analyze):
    """Return a reader of word n-gram columns that splits and joins words in place of the
    analyzer's regular expression and per-call wrappers (twice as fast on resumes)."""
    vocabulary, lowercase = vectorizer.vocabulary_, vectorizer.lowercase
    low, high = vectorizer.ngram_range
    if vectorizer.analyzer != "word":  # analyzer=_split: the text's words, as they are
        lowercase, low, high = False, 1, 1

    def read(document) -> list[int]:
        if not isinstance(document, str):  # bytes and the like: let scikit-learn decode
            return [c for c in map(vocabulary.get, analyze(document)) if c is not None]
        # str.split() and the pattern \S+ split at the same (Unicode) whitespace.
        words = (document.lower() if lowercase else document).split()
        found: list[int] = []
        for n in range(low, high + 1):
            grams = words if n == 1 else map(" ".join, zip(*(words[i:] for i in range(n)),
                                                            strict=False))
            found.extend(filter(_is_column, map(vocabulary.get, grams)))
        return found

    return read


_is_column = partial(is_not, None)  # a vocabulary hit; at C speed inside filter()


def _split_word_ngrams(vectorizer) -> bool:
    """Whether the vectorizer's n-grams are of whitespace-split words, nothing else applied."""
    if vectorizer.input != "content":
        return False
    if vectorizer.analyzer is _split:  # scikit-learn applies no other setting to a callable
        return True
    return (vectorizer.analyzer == "word" and vectorizer.token_pattern in _SPLIT_PATTERNS
            and vectorizer.preprocessor is None and vectorizer.tokenizer is None
            and vectorizer.stop_words is None and vectorizer.strip_accents is None)


_SPLIT_PATTERNS = (r"\S+", r"(?u)\S+")


def _word_local_char_ngrams(vectorizer) -> bool:
    return (
        vectorizer.analyzer == "char_wb"
        and vectorizer.preprocessor is None
        and vectorizer.strip_accents is None
        and vectorizer.input == "content"
    )


def _plain_tfidf(vectorizer) -> bool:
    return (
        isinstance(vectorizer, TfidfVectorizer)
        and vectorizer.norm in ("l2", None)
        and not vectorizer.binary
        and np.dtype(vectorizer.dtype).kind == "f"
    )
