"""playSMS "SMS custom" callbacks (received messages), as playSMS 1.4.8 makes them.

Source (src): playSMS 1.4.8, ``web/plugin/feature/sms_custom/fn.php``, ``sms_custom_handle``:
each tag of the custom URL is replaced by ``urlencode(value)``, and the URL's query is POSTed
as an ``application/x-www-form-urlencoded`` body to the URL without its query.  The tags
requested are smsbridge_junubsms.callbacks.QUERY; the values those of the loopback test
server's README (a sender injected from ``+211988000008`` to the receiver ``1234``).
"""

from __future__ import annotations

from smsbridge.models import CallbackKind
from smsbridge.testing.conformance import CallbackSample

SOURCE = "playSMS 1.4.8 plugin/feature/sms_custom/fn.php (sms_custom_handle), tags of callbacks.QUERY"

SAMPLES = {
    "keyword with text": CallbackSample(
        CallbackKind.INBOUND,
        source=SOURCE,
        method="POST",
        content_type="application/x-www-form-urlencoded",
        body=b"sender=%2B211988000008&receiver=1234&datetime=2026-12-01+10%3A15%3A02&keyword=SMSB"
        b"&param=please+call+me&raw=SMSB+please+call+me&service=smsbridge",
    ),
    "bare keyword, Arabic": CallbackSample(
        CallbackKind.INBOUND,
        source=SOURCE + "; urlencode of UTF-8 text",
        method="POST",
        content_type="application/x-www-form-urlencoded",
        body=b"sender=%2B211988000009&receiver=1234&datetime=2026-12-01+10%3A16%3A40&keyword=SMSB"
        b"&param=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7&raw=SMSB+%D9%85%D8%B1%D8%AD%D8%A8%D8%A7&service=smsbridge",
    ),
}
