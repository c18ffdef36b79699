"""ASPSMS notification-URL callbacks as ASPSMS makes them: the tags of the URL substituted.

Sources: aspsms.txt, "Notification URL properties" (the tags and the example URL
``ReceiveNotification?SCTS=<SCTS>&DSCTS=<DSCTS>&RSN=<RSN>&DST=<DST>&TRN=<TRN>&DSCTSUTC=<DSCTSUTC>&SCTSUTC=<SCTSUTC>``);
the values are those of REFERENCE.md's InquireDeliveryNotifications fixture (TRN 4242,
delivered, submitted 2021-01-21T13:46:28Z, notified 13:46:34Z, reason 000) and its reason
table (107 absent subscriber).  ASPSMS requests the URL (GET); whether it percent-encodes the
substituted values is not published: a ``+`` in RCPNT arrives as a space, which the parser
takes.
"""

from __future__ import annotations

from smsbridge.models import CallbackKind
from smsbridge.testing.conformance import CallbackSample

DOC = "aspsms.txt notification URL example; values from REFERENCE.md (InquireDeliveryNotifications fixture)"

SAMPLES = {
    "delivered, the documented example URL": CallbackSample(
        CallbackKind.STATUS,
        source=DOC,
        query="SCTS=21012021144628&DSCTS=21012021144634&RSN=000&DST=0&TRN=4242"
        "&DSCTSUTC=2021-01-21T13:46:34Z&SCTSUTC=2021-01-21T13:46:28Z",
    ),
    "buffered, smsbridge's template": CallbackSample(
        CallbackKind.STATUS,
        source="smsbridge_aspsms.callbacks.QUERY with the tags of aspsms.txt; reason 107 from REFERENCE.md",
        query="TRN=4243&DST=1&RSN=107&RCPNT=+41791234567&DSCTSUTC=2021-01-21T13:50:02Z&SCTSUTC=2021-01-21T13:46:28Z",
    ),
    "not delivered, smsbridge's template": CallbackSample(
        CallbackKind.STATUS,
        source="smsbridge_aspsms.callbacks.QUERY with the tags of aspsms.txt; reason 206 from REFERENCE.md",
        query="TRN=4244&DST=2&RSN=206&RCPNT=0041791234568&DSCTSUTC=2021-01-21T14:00:00Z&SCTSUTC=2021-01-21T13:46:29Z",
    ),
}
