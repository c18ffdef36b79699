"""Providers built into the core: ``console://`` and ``memory://``.

They are ordinary plugins registered by the core itself, so they go through the same hooks,
validation and chunking as any real provider.
"""
