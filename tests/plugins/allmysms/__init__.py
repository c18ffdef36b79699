"""Tests of the smsbridge-allmysms plugin (a package, so module names never clash with other plugins')."""
