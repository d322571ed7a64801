"""Meetings (议事会 · 红色议事厅 · 民情分析会): the committee of a place schedules a meeting
with an agenda of topics; at the meeting staff record attendance, minutes and one decision
per agenda topic, taken through the topics' own lifecycle and commands.

Pure rules: ``lifecycle`` (states, kinds, when a meeting may be edited or recorded, which
topic moves a meeting may decide), ``forms``, ``labels``. Writes: ``commands``. Reads:
``queries``. Web: ``pages``, listed by ``routes`` (this module stays free of web imports:
the tables import it)."""
