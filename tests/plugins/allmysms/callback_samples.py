"""AllMySMS delivery webhooks: the fields REFERENCE.md lists, in the shapes the parser takes.

Source: REFERENCE.md, AllMySMS: "Delivery webhooks carry smsId, receptionDate, phoneNumber,
campaignId, status, statusText"; the smsId is the sendSms documentation's UUID, the status
codes those of the ``statut`` table (1 delivered, 2 not delivered, 3 sent to operator).
Whether AllMySMS posts a form or JSON is not published (inf): both are given.
"""

from __future__ import annotations

from smsbridge.models import CallbackKind
from smsbridge.testing.conformance import CallbackSample

SOURCE = "REFERENCE.md (AllMySMS delivery webhooks: fields; statut codes); body format inferred"

SAMPLES = {
    "delivered, form": CallbackSample(
        CallbackKind.STATUS,
        source=SOURCE,
        method="POST",
        content_type="application/x-www-form-urlencoded",
        body=b"smsId=330792bd-8e0b-11e5-bf51-0025907cd72e&receptionDate=2014-02-19+11%3A40%3A35"
        b"&phoneNumber=33612345678&campaignId=4521&status=1&statusText=Delivered",
    ),
    "sent to operator, JSON": CallbackSample(
        CallbackKind.STATUS,
        source=SOURCE,
        method="POST",
        content_type="application/json",
        body=b'{"smsId":"7f1c9a52-8e0b-11e5-bf51-0025907cd72e","receptionDate":"2014-02-19 11:40:30",'
        b'"phoneNumber":"33612345679","campaignId":"4521","status":"3","statusText":"Sent to operator"}',
    ),
    "not delivered, query": CallbackSample(
        CallbackKind.STATUS,
        source=SOURCE,
        query="smsId=9a3e1f00-8e0b-11e5-bf51-0025907cd72e&receptionDate=2014-02-19%2011%3A41%3A02"
        "&phoneNumber=33612345670&campaignId=4521&status=2&statusText=Not%20delivered",
    ),
}
