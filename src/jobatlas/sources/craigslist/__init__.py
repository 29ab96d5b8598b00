"""Parsers for Craigslist posting, listing, sitemap and search-JSON responses, and its area reference."""
