"""The consoles' shared web shell: the hall's manager console (manage/) and the city console
(city/) sign people in, look and chart the same way through it.

It knows neither a hall nor a city: passwords and session tokens (passwords), the account rules
(accounts), sign-in, sessions, CSRF, roles, audited exports and the accounts and audit pages for
aiohttp over any account store (sessions), a page's days and periods (periods), the templates,
stylesheet, scripts and font (pages), and the report's shared shape and its CSV and XLSX
writers (figures).
"""
