"""Occupation classification: text normalization, features, estimator, training data."""

from jobatlas.classifier.estimator import OccupationClassifier

__all__ = ["OccupationClassifier"]
