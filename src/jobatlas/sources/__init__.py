"""Pure parsers that turn fetched bytes into postings; no crawler code lives here."""
