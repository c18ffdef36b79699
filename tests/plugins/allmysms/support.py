"""Test credentials and account URLs shared by the AllMySMS tests.

Set ALLMYSMS_LOGIN and ALLMYSMS_APIKEY to re-record cassettes with ``--record-mode=rewrite``.
"""

from __future__ import annotations

from urllib.parse import quote

from smsbridge.testing import credential

LOGIN = credential("ALLMYSMS_LOGIN", "dummy-login")
API_KEY = credential("ALLMYSMS_APIKEY", "dummy-apikey")
SUB_PASSWORD = credential("ALLMYSMS_SUB_PASSWORD", "dummy-subpass")

URL = f"allmysms://{quote(LOGIN, safe='')}:{quote(API_KEY, safe='')}@default"
XML_URL = URL + "?flow=xml"

FR = "+33612345678"
FR2 = "+33698765432"
FR3 = "+33611223344"
