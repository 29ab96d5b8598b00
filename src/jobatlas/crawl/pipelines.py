"""Item pipeline: hand parsed postings to the spider's sink, which cleans, classifies and stores."""

from __future__ import annotations


class StorePostingsPipeline:
    """Feed every scraped item to ``spider.sink``; flush the last batch when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.sink = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self) -> None:
        """Find the sink the runner gave the spider."""
        self.sink = getattr(self.crawler.spider, "sink", None)

    def process_item(self, item: dict) -> dict:
        """Count the parse outcome and buffer the posting."""
        parsed = item["parsed"]
        stats = self.crawler.stats
        for name in parsed.missing:
            stats.inc_value(f"jobatlas/missing/{name}")
        if not parsed.ok:
            stats.inc_value("jobatlas/parse_failures")
        if self.sink is not None:
            self.sink.add(parsed)
        return item

    def close_spider(self) -> None:
        """Store what is still buffered."""
        if self.sink is not None:
            self.sink.flush()
