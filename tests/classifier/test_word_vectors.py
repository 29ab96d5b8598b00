"""Word vectors: the distillation fit, dimension reduction, the file format and its errors."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from jobatlas.classifier.word_vectors import (
    VECTORS_PATH,
    WordVectorError,
    WordVectors,
    distill,
    fit_word_vectors,
    load_word_vectors,
    reduce_dimensions,
    save_word_vectors,
)


def _unit(matrix):
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _trigram_encoder(dimensions: int = 64):
    """A real, if crude, sentence encoder: hashed character trigrams, L2-normalized."""
    def encode(texts):
        out = np.zeros((len(texts), dimensions))
        for row, text in enumerate(texts):
            padded = f" {text} "
            for i in range(len(padded) - 2):
                out[row, zlib.crc32(padded[i:i + 3].encode()) % dimensions] += 1.0
        return _unit(out + 1e-9)
    return encode


def test_fit_moves_title_words_towards_their_titles_and_keeps_the_others():
    rng = np.random.default_rng(0)
    words = np.array(["truck", "driver", "line", "cook", "nanny"], dtype=object)
    base = WordVectors(words, _unit(rng.normal(size=(5, 16))).astype(np.float32))
    titles = ["truck driver", "line cook"]
    targets = _unit(rng.normal(size=(2, 16)))
    fitted = fit_word_vectors(titles, targets, base, ridge=1e-6)
    index = fitted.index()
    for title, target in zip(titles, targets, strict=True):
        summed = sum(fitted.vectors[index[w]] for w in title.split())
        cosine = summed @ target / np.linalg.norm(summed)
        assert cosine > 0.99
    # "nanny" is in no title: it keeps the sentence model's vector.
    assert np.array_equal(fitted.vectors[index["nanny"]], base.vectors[index["nanny"]])


def test_fit_rejects_mismatched_inputs():
    base = WordVectors(np.array(["cook"], dtype=object), np.ones((1, 4), dtype=np.float32))
    with pytest.raises(WordVectorError, match="2 titles for 1 target"):
        fit_word_vectors(["cook", "line cook"], np.ones((1, 4)), base)
    with pytest.raises(WordVectorError, match="3 dimensions"):
        fit_word_vectors(["cook"], np.ones((1, 3)), base)


def test_reduction_keeps_the_principal_axes():
    rng = np.random.default_rng(1)
    # Rank-3 data in 20 dimensions: 3 components keep every pairwise distance.
    matrix = (rng.normal(size=(300, 3)) @ rng.normal(size=(3, 20))).astype(np.float32)
    words = np.array([f"w{i}" for i in range(300)], dtype=object)
    reduced = reduce_dimensions(WordVectors(words, matrix), dimensions=3)
    assert reduced.dimensions == 3
    before = np.linalg.norm(matrix[0] - matrix[1:], axis=1)
    after = np.linalg.norm(reduced.vectors[0] - reduced.vectors[1:], axis=1)
    assert np.allclose(before, after, rtol=1e-3)


def test_distill_embeds_every_word_and_reduces():
    titles = ["truck driver", "delivery driver", "line cook", "prep cook", "cashier"]
    vocabulary = ["truck", "driver", "delivery", "line", "cook", "prep", "cashier", "nanny"]
    result = distill(titles, vocabulary, _trigram_encoder(), dimensions=4)
    assert sorted(result.words.tolist()) == sorted(vocabulary)
    assert result.dimensions == 4


def test_saved_vectors_load_back_within_quantization_error(tmp_path):
    rng = np.random.default_rng(2)
    vectors = WordVectors(np.array(["a", "b", "c"], dtype=object),
                          rng.normal(size=(3, 8)).astype(np.float32))
    loaded = load_word_vectors(save_word_vectors(vectors, tmp_path / "v.npz"))
    assert loaded.words.tolist() == ["a", "b", "c"]
    bound = np.abs(vectors.vectors).max(axis=1, keepdims=True) / 127
    assert (np.abs(loaded.vectors - vectors.vectors) <= bound * 0.51).all()


def test_bad_files_get_a_clear_error(tmp_path):
    with pytest.raises(WordVectorError, match="cannot read word vectors"):
        load_word_vectors(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(WordVectorError, match="cannot read word vectors"):
        load_word_vectors(junk)
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, words=np.array(["a"]), codes=np.ones((1, 2)), scale=np.ones(1))
    with pytest.raises(WordVectorError, match="not a word vector file"):
        load_word_vectors(wrong)
    with pytest.raises(WordVectorError, match="2 words"):
        WordVectors(np.array(["a", "b"], dtype=object), np.ones((1, 2), dtype=np.float32))


def test_shipped_vectors_cover_the_training_words():
    shipped = load_word_vectors(VECTORS_PATH)
    assert shipped.dimensions == 128
    known = set(shipped.words.tolist())
    # Every word the feature vocabulary can hold (normalized training words) has a vector.
    from jobatlas.classifier.text import normalize_text
    from jobatlas.classifier.training import build_training_set, load_reference_texts

    words = {w for text in build_training_set(load_reference_texts()).texts
             for w in normalize_text(text).split()}
    assert words <= known
    assert np.isfinite(shipped.vectors).all()


def test_cli_without_the_vectors_extra_says_how_to_get_it(tmp_path, monkeypatch):
    import sys

    from click.testing import CliRunner

    from jobatlas.cli import main

    # The test environment has no sentence-transformers; make that certain.
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    output = tmp_path / "v.npz"
    result = CliRunner().invoke(main, ["data", "vectors", "--output", str(output)])
    assert result.exit_code == 1
    assert "jobatlas[vectors]" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not output.exists()


def test_a_path_that_cannot_be_written_gets_a_clear_error_and_keeps_the_old_file(tmp_path):
    vectors = WordVectors(np.array(["a"], dtype=object), np.ones((1, 2), dtype=np.float32))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WordVectorError, match="cannot write word vectors"):
        save_word_vectors(vectors, blocker / "v.npz")
    kept = save_word_vectors(vectors, tmp_path / "v.npz")
    assert load_word_vectors(kept).words.tolist() == ["a"]
    # Written beside the target and renamed: no temporary file is left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "v.npz"]
