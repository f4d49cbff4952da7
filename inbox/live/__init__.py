"""Live updates: an outbox of what changed, fanned out to the open pages as Server-Sent Events.

A change writes a `live_event` row in its own transaction (operations.publish); after the commit
a wake-up goes out (fanout.py: Redis pub/sub, or in-process without Redis); every open page's
stream reads the rows it has not seen (stream.py) and the browser fetches what changed.
This package imports no other domain, so that every domain can publish.
"""
