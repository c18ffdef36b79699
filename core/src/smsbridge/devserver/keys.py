"""The aiohttp application key under which the handlers find the :class:`DevServer`."""

from __future__ import annotations

from aiohttp import web

from smsbridge.devserver.state import DevServer

__all__ = ["DEVSERVER"]

DEVSERVER = web.AppKey("devserver", DevServer)
