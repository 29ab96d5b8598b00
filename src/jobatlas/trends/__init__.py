"""Posting-based demand trends: weekly series, growth, forecasts and backtests."""
