"""The whole hall on one machine: ``hallq demo``, the end-to-end harness, backups."""
