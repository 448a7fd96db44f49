"""Hall hardware: ID card reader, QR scanner, camera, ticket printer, window devices.

One sub-package per kind, each with a small blocking-with-timeout interface, a real
driver, a simulator and (where bytes are involved) a pure codec.  Nothing here knows
about Qt or the hall server: the apps run these calls in worker threads.

Build devices from config strings with :mod:`devices.config`.
"""
