"""The emulator profiles every loaded plugin ships, through ``smsbridge_emulator_profiles``."""

from __future__ import annotations

import logging
from typing import Any

from smsbridge.devserver.profiles import EmulatorProfile

__all__ = ["load_profiles"]

log = logging.getLogger(__name__)


def load_profiles() -> list[EmulatorProfile]:
    """One profile per provider id, from the plugins' hook; a broken plugin's are left out (logged)."""
    from smsbridge.plugins import get_registry

    registry = get_registry()
    registry.load_all()
    profiles: list[EmulatorProfile] = []
    seen: set[str] = set()
    hook = registry.pm.hook.smsbridge_emulator_profiles
    try:
        offers: list[Any] = list(reversed(hook()))  # registration order; wrappers see the call
    except Exception:  # one broken plugin: ask each alone, leave the broken one out
        offers = []
        for impl in reversed(hook.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            try:
                offers.append(impl.function())
            except Exception:
                log.exception(
                    "plugin %s: smsbridge_emulator_profiles failed; its profiles are left out", impl.plugin_name
                )
    for offered in offers:
        for profile in offered or ():
            if not isinstance(profile, EmulatorProfile) or not profile.id:
                log.warning("plugin %s offered an emulator profile without an id; left out", impl.plugin_name)
                continue
            if profile.id in seen:
                log.warning("emulator profile %r offered twice; the first one is used", profile.id)
                continue
            seen.add(profile.id)
            profiles.append(profile)
    return profiles
