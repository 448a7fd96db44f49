"""Hall hardware: ID card reader, QR scanner, camera, ticket printer, window devices.

One sub-package per kind, each with a small blocking-with-timeout interface, a real
driver, a simulator and (where bytes are involved) a pure codec.  Nothing here knows
about Qt or the hall server: the apps run these calls in worker threads.

Build devices from the config's URLs with :mod:`devices.urls`; every kind has the same
files: ``interface.py``, ``driver.py``, ``sim.py`` and (where bytes are involved) ``codec.py``.
"""
