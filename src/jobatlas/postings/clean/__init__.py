"""Cleaning steps for postings: small, pure, each one ``Posting -> Posting``."""
