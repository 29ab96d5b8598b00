"""Well-known employers whose name says what kind of workplace a job was in.

Workers describe past jobs by where they were ("cook at McDonald's", "drove for Uber and
DoorDash", "worked the register at Walmart"). O*NET text names no company, so the name matched
nothing, or only letters of other words: "I drove for Uber and DoorDash" gave Production
Workers, All Other (0.12); "I was a cook at McDonald's" put Cooks, Fast Food at 0.03. Each name
here becomes the O*NET words for that workplace, not an occupation: a cook at McDonald's and a
cashier at McDonald's both work at a fast food restaurant, and the other words of the text
still decide which.

Keys are one lower-case word as the normalizer sees it (apostrophes dropped: "McDonald's" is
"mcdonalds"). Names that are also English words ("Target", "Subway", "Sonic", "UPS") or whose
jobs vary too much to say ("Amazon": warehouse, delivery or software) are left out; a test
checks that no key is a word of any training text.
"""

from __future__ import annotations

EMPLOYER_WORDS: dict[str, str] = {
    # fast food and coffee
    "mcdonalds": "fast food restaurant",
    "mcdonald": "fast food restaurant",
    "wendys": "fast food restaurant",
    "kfc": "fast food restaurant",
    "popeyes": "fast food restaurant",
    "arbys": "fast food restaurant",
    "chipotle": "fast food restaurant",
    "whataburger": "fast food restaurant",
    "starbucks": "coffee shop",
    "dunkin": "coffee shop",
    # stores
    "walmart": "retail store",
    "costco": "retail store",
    "kroger": "grocery store",
    "safeway": "grocery store",
    "publix": "grocery store",
    "aldi": "grocery store",
    "heb": "grocery store",
    "walgreens": "retail store",
    # rides, meals and groceries brought by app
    "uber": "rideshare",
    "doordash": "food delivery",
    "grubhub": "food delivery",
    "ubereats": "food delivery",
    "postmates": "food delivery",
    "instacart": "grocery delivery",
    # parcels
    "fedex": "package delivery",
}


def employer_words(word: str) -> str | None:
    """Return the workplace words for a well-known employer's name (lower case), else None."""
    return EMPLOYER_WORDS.get(word)
