"""Estimates and staffing for a hall: forecast from its history, simulation of its routing,
Erlang C, and the windows to open per half hour (issue 14)."""
