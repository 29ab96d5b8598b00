"""jobatlas: an open labor-market engine for low- and middle-skill work."""

__version__ = "0.1.0"
