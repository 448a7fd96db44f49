"""The consoles' shared web shell: the hall's manager console (manage/) and the city console
(city/) sign people in, look and chart the same way through it.

It knows neither a hall nor a city: passwords and session tokens (passwords), the account rules
(accounts), sign-in, sessions and CSRF for aiohttp over any account store (sessions), the
templates, stylesheet, scripts and font (pages), and the report's shared shape and its CSV and
XLSX writers (figures).
"""
