#!/usr/bin/python3
"""Reads a feed with Python's feedparser (Debian: python3-feedparser) and prints what a reader built on it
would show, as JSON: per entry its id, title, summary, author, enclosures and dates, each text with the
type feedparser decided for it (text/plain or text/html: an application renders the latter as HTML)."""
import json
import sys
import time

import feedparser

feed = feedparser.parse(sys.argv[1])
if feed.bozo and not feed.entries:
    sys.exit(f"feedparser could not read {sys.argv[1]}: {feed.bozo_exception}")


def utc(parsed):
    """A date as feedparser gives it to applications (a struct_time in UTC, to the second), or None."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed) if parsed else None


def text(entry, key):
    detail = entry.get(key + "_detail")
    return {"value": entry.get(key), "type": detail.type if detail else None}


print(json.dumps({
    "title": text(feed.feed, "title"),
    "image": (feed.feed.get("image") or {}).get("href"),
    "icon": feed.feed.get("icon"),
    "logo": feed.feed.get("logo"),
    "entries": [{
        "id": entry.get("id"),
        "title": text(entry, "title"),
        "summary": text(entry, "summary"),
        "author": entry.get("author"),
        "authors": [author.get("name") for author in entry.get("authors", [])],
        "enclosures": [enclosure.get("href") for enclosure in entry.get("enclosures", [])],
        "published": entry.get("published"),
        "updated": entry.get("updated"),
        "updated_parsed": utc(entry.get("updated_parsed")),
    } for entry in feed.entries],
}, ensure_ascii=False))
