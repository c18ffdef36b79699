"""Tests of the smsbridge-aspsms plugin (a package, so that its module names stay unique)."""
