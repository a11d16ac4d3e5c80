#!/usr/bin/env python3
"""Twilio's official Python helper library against Orderline's sandbox (issue 12).

Usage: twilio_sdk_test.py BASE_URL ACCOUNT_SID AUTH_TOKEN PHONE_NUMBER
(or the environment: SANDBOX_TWILIO_BASE, SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN,
SANDBOX_PHONE_NUMBER). BASE_URL is the emulator's REST base, e.g.
http://127.0.0.1:3000/sandbox/twilio.

The library is pointed at the emulator by replacing the `api` domain's base URL
(twilio.base.domain.Domain.base_url, which every 2010-04-01 request is built from); nothing
else changes. Checks: fetch the account; send a text and poll it until `delivered`; create a
call with Url= and fetch it; list messages; a wrong token raises TwilioRestException 20003.
Prints "all checks passed" and exits 0, or names the failed check and exits 1.
"""

import os
import sys
import time

try:
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client
except ImportError:
    print("the 'twilio' package is not installed in this interpreter (pip install twilio)")
    sys.exit(2)

CUSTOMER = "+33612345678"


class CheckFailed(Exception):
    """A check did not hold."""


def check(condition, what):
    if not condition:
        raise CheckFailed(what)
    print(f"ok: {what}")


def arguments():
    names = ["SANDBOX_TWILIO_BASE", "SANDBOX_ACCOUNT_SID", "SANDBOX_AUTH_TOKEN", "SANDBOX_PHONE_NUMBER"]
    values = sys.argv[1:5] if len(sys.argv) >= 5 else [os.environ.get(n, "") for n in names]
    if not all(values):
        print(__doc__)
        sys.exit(2)
    return values


def sandbox_client(base_url, sid, token):
    """A helper-library client whose 2010-04-01 API requests go to `base_url`."""
    client = Client(sid, token)
    client.api.base_url = base_url.rstrip("/")
    return client


def main():
    base_url, sid, token, number = arguments()
    client = sandbox_client(base_url, sid, token)

    account = client.api.v2010.accounts(sid).fetch()
    check(account.sid == sid and account.status == "active", "the account is fetched and active")

    message = client.messages.create(to=CUSTOMER, from_=number, body="Votre commande arrive")
    check(message.sid.startswith("SM") and message.status == "queued", "a text is created queued")
    check(message.date_created is not None and message.date_created.year >= 2024,
          "date_created parses as a date")
    deadline = time.monotonic() + 15
    status = message.status
    while status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = client.messages(message.sid).fetch().status
    check(status == "delivered", f"the text reaches delivered (last status: {status})")

    call = client.calls.create(to=CUSTOMER, from_=number, url="https://desk.example/voice")
    check(call.sid.startswith("CA") and call.status == "queued", "a call is created queued")
    fetched = client.calls(call.sid).fetch()
    check(fetched.sid == call.sid and fetched.to == CUSTOMER, "the call is fetched")
    listed = client.calls.list(to=CUSTOMER, limit=5)
    check(any(c.sid == call.sid for c in listed), "the call is listed")

    for i in range(3):
        client.messages.create(to=CUSTOMER, from_=number, body=f"page test {i}")
    messages = client.messages.list(to=CUSTOMER, page_size=2)
    check(len(messages) == 4, f"messages are listed across pages ({len(messages)} of 4)")
    check(messages[0].body == "page test 2", "newest message first")

    numbers = client.incoming_phone_numbers.list(phone_number=number)
    check([n.phone_number for n in numbers] == [number], "the sandbox number is found")

    try:
        sandbox_client(base_url, sid, "0" * 32).api.v2010.accounts(sid).fetch()
        raise CheckFailed("a wrong token was accepted")
    except TwilioRestException as error:
        check(error.status == 401 and error.code == 20003,
              f"a wrong token raises TwilioRestException 20003 (got {error.status}/{error.code})")

    try:
        client.messages.create(to=CUSTOMER, from_=number)
        raise CheckFailed("a text without body was accepted")
    except TwilioRestException as error:
        check(error.status == 400 and error.code == 21602, "a text without body is refused with 21602")

    print("all checks passed")


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as failure:
        print(f"FAILED: {failure}")
        sys.exit(1)
    except TwilioRestException as error:
        print(f"FAILED: unexpected Twilio error {error.status}/{error.code}: {error.msg}")
        sys.exit(1)
