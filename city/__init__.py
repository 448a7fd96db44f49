"""The city level: every hall's events in PostgreSQL, the feed a hall runs, appointments sent down.

A hall never depends on its city: the feed is a separate process that reads the hall's event log
read-only and talks to the hall only through a line protocol on its pipes (city/feed.py).
"""
