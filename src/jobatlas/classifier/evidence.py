"""Name the words of an input behind its features: the evidence shown beside each occupation.

A word n-gram ("truck driver") or head-noun token ("h1=driver") names its words whatever the
input, so those are looked up in a table built once per fitted model. A character n-gram
("driv") belongs to the input word it was cut from; each input word's character n-gram
columns come from the same per-word cache featurizing uses, so finding them costs a dictionary
lookup per word, not a substring search per (text, n-gram).
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
from sklearn.pipeline import Pipeline

from jobatlas.classifier import kernels
from jobatlas.classifier.features import char_columns_reader

# Codes in ``EvidenceTable.fixed`` for features that do not name their words themselves.
NO_WORD = -1  # too short to show a reader ("ab", " a "); kernels.first_holder's "none"
CHAR_GRAM = -2  # a character n-gram: the input word holding it names it

# Character n-grams shorter than this (spaces aside) say too little to be shown as evidence.
MIN_CHAR_GRAM = 3

# Normalized texts up to this long (a title, a resume's job line) have their words' n-grams
# gathered; longer ones are searched (see _char_word_ids).
SHORT_TEXT_CHARS = 120


@dataclass(frozen=True)
class EvidenceTable:
    """Per feature column, the id of the word it names (or a code above); words by id."""

    fixed: np.ndarray
    words: list[str]
    ids: dict[str, int]
    char_block: slice
    char_columns: object  # word -> its char n-gram columns inside the char block


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def evidence_table(features: Pipeline) -> EvidenceTable:
    """Return the evidence table of a fitted ``features.make_features`` pipeline (cached)."""
    vectorize = features.named_steps["vectorize"]
    table = _TABLES.get(vectorize)
    if table is None:
        table = _TABLES[vectorize] = _build_table(vectorize)
    return table


def _build_table(vectorize) -> EvidenceTable:
    blocks = {name: (transformer, vectorize.output_indices_[name])
              for name, transformer, _ in vectorize.transformers_
              if not isinstance(transformer, str)}
    fixed = np.full(sum(b.stop - b.start for _, b in blocks.values()), NO_WORD, dtype=np.int64)
    ids: dict[str, int] = {}
    for name, (vectorizer, block) in blocks.items():
        for gram, column in vectorizer.vocabulary_.items():
            word = _fixed_word(name, gram)
            if word is None:
                fixed[block.start + column] = CHAR_GRAM if _showable(gram) else NO_WORD
            else:
                fixed[block.start + column] = ids.setdefault(word, len(ids))
    chars, char_block = blocks.get("chars", (None, slice(0, 0)))
    return EvidenceTable(fixed=fixed, words=list(ids), ids=ids, char_block=char_block,
                         char_columns=char_columns_reader(chars) if chars is not None else None)


def _fixed_word(block: str, gram: str) -> str | None:
    """Return the words a word n-gram or head token names; None for a character n-gram."""
    if block == "words":
        return gram
    if block == "heads":
        return gram.split("=", 1)[1].replace("_", " ")
    return None


def _showable(gram: str) -> bool:
    return len(gram.strip()) >= MIN_CHAR_GRAM


def word_ids(table: EvidenceTable, rows: np.ndarray, features: np.ndarray,
             normalized: list[str]) -> tuple[np.ndarray, list[str]]:
    """Return, per (row, feature) entry, the id of the word naming it (negative for none),
    and the words by id.

    ``normalized`` holds the normalized text of every row. Words of the table keep their
    ids; words only character n-grams name get ids after them, so one word found through
    several features is one id.
    """
    ids = table.fixed[features]
    char = np.flatnonzero(ids == CHAR_GRAM)
    extra: dict[str, int] = {}
    if len(char):
        ids[char] = _char_word_ids(table, rows[char], features[char] - table.char_block.start,
                                   normalized, extra)
    return ids, (table.words + list(extra) if extra else table.words)


def _id_of(table: EvidenceTable, word: str, extra: dict[str, int]) -> int:
    """Return a word's id: its table id, else one in ``extra`` after all the table's."""
    found = table.ids.get(word)
    return found if found is not None else extra.setdefault(word, len(table.words) + len(extra))


def _char_word_ids(table: EvidenceTable, rows: np.ndarray, columns: np.ndarray,
                   normalized: list[str], extra: dict[str, int]) -> np.ndarray:
    """Return the id of the first word of each row whose character n-grams hold the column.

    A title's few words are gathered with all their n-grams in arrays (twice as fast on a
    batch of titles); a resume's hundreds of words are searched for the wanted n-grams only.
    """
    long_row = np.array([len(text) > SHORT_TEXT_CHARS for text in normalized], dtype=bool)
    long_pair = long_row[rows]
    out = np.empty(len(rows), dtype=np.int64)
    for mask, find in ((~long_pair, _gathered_word_ids), (long_pair, _searched_word_ids)):
        if mask.any():
            out[mask] = find(table, rows[mask], columns[mask], normalized, extra)
    return out


def _searched_word_ids(table: EvidenceTable, rows: np.ndarray, columns: np.ndarray,
                       normalized: list[str], extra: dict[str, int]) -> np.ndarray:
    """``_char_word_ids`` for long texts: only the wanted n-grams are looked for."""
    width = len(table.fixed) + 1
    unique, inverse = np.unique(rows.astype(np.int64) * width + columns, return_inverse=True)
    unique_rows, unique_columns = (unique // width).tolist(), (unique % width).tolist()
    found_at: list[int] = []
    found_id: list[int] = []
    start = 0
    while start < len(unique):
        row = unique_rows[start]
        stop = bisect_right(unique_rows, row, lo=start)
        # The columns still looked for in this row, each with its place in ``unique``.
        wanted = dict(zip(unique_columns[start:stop], range(start, stop), strict=True))
        # Words in order of first use, so the earliest word holding an n-gram names it; a
        # set intersection per word (at C speed) instead of a search per n-gram.
        for word in dict.fromkeys(normalized[row].split()):
            held = wanted.keys() & table.char_columns(word)
            if held:
                word_id = _id_of(table, word, extra)
                found_at.extend(wanted.pop(column) for column in held)
                found_id.extend([word_id] * len(held))
                if not wanted:
                    break
        start = stop
    owner = np.full(len(unique), NO_WORD, dtype=np.int64)
    owner[np.asarray(found_at, dtype=np.int64)] = found_id
    return owner[inverse.ravel()]


def _gathered_word_ids(table: EvidenceTable, rows: np.ndarray, columns: np.ndarray,
                       normalized: list[str], extra: dict[str, int]) -> np.ndarray:
    """``_char_word_ids`` for short texts: every word's n-gram columns, gathered in arrays."""
    unique_rows, segment = _segments(rows)
    held: list[int] = []  # char block columns of every (row, word), in word order
    counts: list[int] = []
    entry_ids: list[int] = []
    ends: list[int] = []
    for row in unique_rows.tolist():
        for word in normalized[row].split():
            columns_of_word = table.char_columns(word)
            held.extend(columns_of_word)
            counts.append(len(columns_of_word))
            entry_ids.append(_id_of(table, word, extra))
        ends.append(len(held))
    holder = np.repeat(np.asarray(entry_ids, dtype=np.int64), counts)
    return kernels.first_holder(np.asarray([0, *ends], dtype=np.int64),
                                np.asarray(held, dtype=np.int64), holder, segment, columns)


def _segments(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct ``rows`` and each entry's index among them (``np.unique`` with
    ``return_inverse``, without its sort when ``rows`` is already ordered, as pairs are)."""
    if len(rows) and np.all(rows[1:] >= rows[:-1]):
        segment = np.zeros(len(rows), dtype=np.int64)
        np.cumsum(rows[1:] != rows[:-1], out=segment[1:])
        return rows[np.flatnonzero(np.diff(segment, prepend=-1))], segment
    unique, inverse = np.unique(rows, return_inverse=True)
    return unique, inverse.ravel()
