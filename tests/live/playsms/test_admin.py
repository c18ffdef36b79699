"""Every named operation against a real playSMS 1.4.8, each checked against the server's tables."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

import smsbridge
from smsbridge.errors import (
    AuthenticationError,
    InvalidMessageError,
    NotFoundError,
    PermissionDeniedError,
    RejectedError,
)

from .conftest import PlaySMS


@pytest.fixture
def dora(playsms: PlaySMS) -> Iterator[str]:
    """A throwaway user with a webservices token."""
    playsms.temp_user("livedora")
    try:
        yield "livedora"
    finally:
        playsms.remove_user("livedora")


def user_row(playsms: PlaySMS, username: str) -> dict[str, object]:
    row = playsms.row("SELECT * FROM playsms_tblUser WHERE username = %s ORDER BY uid DESC", username)
    assert row is not None
    return row


def test_query_matches_the_tables(playsms: PlaySMS) -> None:
    for fmt in ("json", "xml"):
        data = playsms.connect(format=fmt).admin("query").data
        alice = user_row(playsms, "alice")
        assert data["user"]["uid"] == alice["uid"] and data["user"]["status"] == alice["status"] == 3
        assert data["user"]["credit"] == Decimal(str(alice["credit"]))
        last = playsms.row(
            "SELECT MAX(smslog_id) AS n FROM playsms_tblSMSOutgoing WHERE uid = %s AND flag_deleted = 0", alice["uid"]
        )
        assert data["last_id"]["user_outgoing"] == int((last or {}).get("n") or 0)


def test_balances_match_the_tables(playsms: PlaySMS) -> None:
    """With credit (alice), zero (bob: the string "0"), a subuser (carol); also via the CLI."""
    for user in ("alice", "bob", "carol"):
        credit = Decimal(str(user_row(playsms, user)["credit"]))
        assert playsms.connect(user).balance().amount == credit
        assert playsms.connect(user, format="xml").balance().amount == credit
    assert playsms.connect("bob").balance().amount == 0
    assert user_row(playsms, "carol")["status"] == 4  # a subuser of alice


def test_contacts_and_groups(playsms: PlaySMS) -> None:
    account = playsms.connect()
    (john,) = account.admin("get_contact", kwd="John").data["contacts"]
    row = playsms.row("SELECT id, mobile FROM playsms_featurePhonebook WHERE name = 'John Deng'")
    assert row is not None and (john["pid"], john["p_num"]) == (row["id"], row["mobile"])
    assert account.admin("get_contact", kwd="nobody-at-all").data["contacts"] == []
    for fmt in ("json", "xml"):
        (group,) = playsms.connect(format=fmt).admin("get_contact_group", kwd="JUBASTAFF").data["groups"]
        assert group == {"gpid": 1, "group_name": "Juba Staff", "code": "JUBASTAFF", "flag_sender": 0}


def test_account_lifecycle(playsms: PlaySMS) -> None:
    """accountadd, a duplicate, parentset/parentget, accountpref, accountremove: each as the tables say."""
    admin = playsms.connect("admin")
    user = {"data_username": "livegina", "data_password": "livegina-pass", "data_name": "Gina", "data_email": "g@x.org"}
    try:
        added = admin.admin("accountadd", data_status=3, data_mobile="+211977000001", **user)
        assert "livegina" in added.data["info"]
        row = user_row(playsms, "livegina")
        assert (row["status"], row["email"], row["mobile"], row["flag_deleted"]) == (3, "g@x.org", "+211977000001", 0)
        with pytest.raises(RejectedError) as duplicate:
            admin.admin("accountadd", data_status=3, **user)
        assert "Account already exists (username: livegina)" in str(duplicate.value)  # finding 7
        admin.admin("parentset", data_username="livegina", data_parent="alice")
        row = user_row(playsms, "livegina")
        assert (row["parent_uid"], row["status"]) == (playsms.uid("alice"), 4)  # parentset makes a subuser
        assert admin.admin("parentget", data_username="livegina").data == {
            "status": "OK",
            "parent_uid": playsms.uid("alice"),
            "parent": "alice",
        }
        admin.admin("accountpref", data_username="livegina", data_city="Juba", data_name="Gina Lado")
        row = user_row(playsms, "livegina")
        assert (row["city"], row["name"]) == ("Juba", "Gina Lado")
    finally:
        admin.admin("accountremove", data_username="livegina")
    assert user_row(playsms, "livegina")["flag_deleted"] == 1
    with pytest.raises(NotFoundError) as gone:
        admin.admin("accountremove", data_username="livegina")
    assert gone.value.code == "605"
    with pytest.raises(NotFoundError):
        admin.admin("parentget", data_username="livegina")


def test_accountconf_keeps_what_it_is_given(playsms: PlaySMS, dora: str) -> None:
    """Finding 6: accountconf empties footer and sender unless given; datetime_timezone needs data_."""
    admin = playsms.connect("admin")
    admin.admin(
        "accountconf",
        data_username=dora,
        data_footer="-- dora",
        data_sender="",
        data_datetime_timezone="+0300",
        data_fwd_to_inbox=True,
        data_local_length=10,
    )
    row = user_row(playsms, dora)
    assert (row["footer"], row["sender"], row["datetime_timezone"], row["fwd_to_inbox"], row["local_length"]) == (
        "-- dora",
        "",
        "+0300",
        1,
        10,
    )
    with pytest.raises(InvalidMessageError, match="would empty"):
        admin.admin("accountconf", data_username=dora, data_fwd_to_inbox=False)
    assert user_row(playsms, dora)["footer"] == "-- dora"  # nothing was sent
    names = {p.name for p in admin.capabilities.admin_operation("accountconf").params}
    assert "datetime_timezone" not in names  # the server ignores it (617 when alone)


def test_ban_and_unban(playsms: PlaySMS, dora: str) -> None:
    admin = playsms.connect("admin")
    uid = str(playsms.uid(dora))
    ban = "SELECT 1 AS x FROM playsms_tblRegistry WHERE registry_family = 'banned_users' AND registry_key = %s"
    admin.admin("accountban", data_username=dora)
    assert playsms.row(ban, uid) is not None
    with pytest.raises(AuthenticationError):
        playsms.connect(dora).balance()  # a banned user gets ERR 100 on every operation
    admin.admin("accountunban", data_username=dora)
    assert playsms.row(ban, uid) is None
    assert playsms.connect(dora).balance().amount == 0
    with pytest.raises(RejectedError) as not_banned:
        admin.admin("accountunban", data_username=dora)
    assert not_banned.value.code == "614"


def test_credit_operations(playsms: PlaySMS, dora: str) -> None:
    """creditadd/creditdeduct leave rows in featureCredit at once (the balance follows at the ~30 s sync)."""
    admin = playsms.connect("admin")
    with pytest.raises(RejectedError) as zero:
        admin.admin("creditview", data_username=dora)
    assert zero.value.code == "620" and "zero" in (zero.value.hint or "")
    added = admin.admin("creditadd", data_username=dora, data_amount=Decimal("12.5"))
    deducted = admin.admin("creditdeduct", data_username=dora, data_amount="2.5")
    assert (added.data["amount"], deducted.data["amount"]) == (Decimal("12.5"), Decimal("2.5"))
    rows = playsms.rows("SELECT amount FROM playsms_featureCredit WHERE uid = %s ORDER BY id", playsms.uid(dora))
    assert [Decimal(str(r["amount"])) for r in rows] == [Decimal("12.5"), Decimal("-2.5")]
    alice = Decimal(str(user_row(playsms, "alice")["credit"]))
    assert admin.admin("creditview", data_username="alice").data["balance"] == alice


def test_login_key_and_ws_login(playsms: PlaySMS, dora: str) -> None:
    admin = playsms.connect("admin")
    key = admin.admin("loginkeyset", data_username=dora).data["login_key"]
    stored = "SELECT registry_value FROM playsms_tblRegistry WHERE uid = %s AND registry_key = 'login_key'"
    assert playsms.row(stored, playsms.uid(dora)) == {"registry_value": key}
    login = admin.admin("ws_login", login_key=key, u=dora).data["url"]
    answer = requests.get(login, allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"] == "index.php"
    assert playsms.row(stored, playsms.uid(dora)) is None  # the server used the key up


def test_set_token(playsms: PlaySMS, dora: str) -> None:
    account = playsms.connect(dora)
    new = account.admin("set_token").data["token"]
    assert user_row(playsms, dora)["token"] == new != playsms.tokens[dora]
    assert account.balance().amount == 0  # the account goes on with the new token
    with pytest.raises(AuthenticationError):
        playsms.connect(dora).balance()  # the old one is gone


def test_stoplist(playsms: PlaySMS) -> None:
    """Finding 9: stoplist exists on 1.4.8 (stored without '+'; the number is still delivered to)."""
    assert playsms.connect().admin("stoplist", **{"from": "+211977000009"}).data == {"status": "OK"}
    assert playsms.row("SELECT mobile FROM playsms_featureStoplist WHERE mobile = '211977000009'") is not None


def test_non_admin_on_an_admin_operation(playsms: PlaySMS) -> None:
    with pytest.raises(PermissionDeniedError) as denied:
        playsms.connect().admin("accountban", data_username="bob")
    assert denied.value.code == "600" and denied.value.certainly_not_sent
    ban = "SELECT 1 AS x FROM playsms_tblRegistry WHERE registry_family = 'banned_users' AND registry_key = %s"
    assert playsms.row(ban, str(playsms.uid("bob"))) is None


def test_token_refusals_are_permission_errors(playsms: PlaySMS) -> None:
    """get_token tells them apart: 104 no token yet, 105 webservices off, 106 address not allowed."""
    playsms.temp_user("livetok", webservices=False)
    try:
        account = smsbridge.connect(playsms.url("livetok", token=playsms.passwords["livetok"], auth="password"))
        codes = []
        for change in (
            "token = ''",
            "token = REPEAT('a', 32), enable_webservices = 0",
            "token = REPEAT('a', 32), enable_webservices = 1, webservices_ip = '10.9.9.9'",
        ):
            playsms.execute(f"UPDATE playsms_tblUser SET {change} WHERE username = 'livetok' AND flag_deleted = 0")
            with pytest.raises(PermissionDeniedError) as info:
                account.balance()
            codes.append(info.value.code)
        assert codes == ["104", "105", "106"]
        playsms.execute("UPDATE playsms_tblUser SET webservices_ip = '127.0.0.1' WHERE username = 'livetok'")
        assert account.balance().amount == 0
    finally:
        playsms.remove_user("livetok")
