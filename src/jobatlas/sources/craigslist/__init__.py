"""Craigslist parsers (posting, listing, sitemap, search JSON) and its area reference."""
