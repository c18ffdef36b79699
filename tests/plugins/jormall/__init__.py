"""Tests of the smsbridge-jormall plugin (a package, so its module names never clash with
the other plugins' ``test_conformance.py`` and friends)."""
