"""A hall's log as the city numbers it, across restores of the hall from a backup.

The hall numbers its events 1, 2, 3… in its own log.  Restored from a backup, it numbers on from
the backup's last event, so the city may already hold other events under the numbers the hall
now gives — events the restored hall no longer has — and storing by (hall_id, seq) would drop
the new ones as duplicates.  So each time the feed connects it checks that the city's last event
of the hall is the hall's own event of that number; when it is not, the feed finds the last
event on which both still agree (the fork: where the backup ends, or where the city ended if it
was behind the backup), and the city numbers the hall's later events on from its own position:
a new incarnation of the log (`hallq_feed_logs`), city seq = hall seq + shift.  The city keeps
every event it held; nothing new is dropped.

Pure functions: the feed (city/feed.py) asks the hall's log and the city.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def city_seq(logs: Sequence[tuple[int, int]], city_end: int, hall_seq: int) -> int | None:
    """The city seq of the hall's `hall_seq` in the newest incarnation that holds it, or None.

    `logs` are the incarnations (city_from, shift), oldest first; each holds the city seqs from
    its city_from up to the next one's (the last up to `city_end`, the city's position)."""
    for i in reversed(range(len(logs))):
        city_from, shift = logs[i]
        city_to = logs[i + 1][0] - 1 if i + 1 < len(logs) else city_end
        if city_from <= hall_seq + shift <= city_to:
            return hall_seq + shift
    return None


def fork(agree: Callable[[int], bool], high: int) -> int:
    """The last hall seq in 0…high at which the hall's log and the city's agree.

    They agree on a prefix (both are one log up to the fork), so a binary search asks `agree`
    about log₂(high) times; seq 0 (nothing yet) always agrees."""
    low = 0
    while low < high:
        mid = (low + high + 1) // 2
        if agree(mid):
            low = mid
        else:
            high = mid - 1
    return low
