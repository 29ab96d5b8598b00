"""Crawling with Scrapy: spiders move bytes and call the pure parsers; a pipeline stores."""
