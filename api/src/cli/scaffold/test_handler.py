"""Tests of the __NAME__ handler: python3 -m unittest (no packages needed)."""

import json
import time
import unittest

import handler

SECRET = b"a-test-signing-secret-of-32-characters!"


def signed(body, msg_id="step-1", timestamp=None, secret=SECRET):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": handler.signature(secret, msg_id, timestamp, body),
    }


def request(params):
    return json.dumps({"action": "__NAME__", "params": params, "idempotencyKey": "step-1"}).encode()


class HandlerTest(unittest.TestCase):
    def test_a_signed_request_is_handled(self):
        body = request({"item": "widget", "count": 3})
        status, answer = handler.handle(signed(body), body, SECRET)
        self.assertEqual(status, 200)
        self.assertEqual(answer["output"], {"item": "widget", "count": 3, "handledBy": "__NAME__"})
        self.assertEqual(answer["state"], {"__SNAKE__": {"widget": 3}})

    def test_defaults_are_filled_in(self):
        body = request({"item": "widget"})
        self.assertEqual(handler.handle(signed(body), body, SECRET)[1]["output"]["count"], 1)

    def test_a_wrong_signature_is_refused(self):
        body = request({"item": "widget"})
        self.assertEqual(handler.handle(signed(body, secret=b"another-secret-of-32-characters-long"), body, SECRET)[0], 401)
        headers = signed(body)
        self.assertEqual(handler.handle(headers, body + b" ", SECRET)[0], 401, "the body is signed")

    def test_a_stale_timestamp_is_refused(self):
        body = request({"item": "widget"})
        self.assertEqual(handler.handle(signed(body, timestamp=time.time() - 3600), body, SECRET)[0], 401)

    def test_parameters_are_checked_against_the_schema(self):
        for params, why in [
            ({}, "params.item is required"),
            ({"item": "w", "count": "3"}, "params.count must be of type integer"),
            ({"item": "w", "count": -1}, "params.count is out of range"),
            ({"item": "w", "colour": "red"}, "params.colour is not a parameter of this action"),
        ]:
            body = request(params)
            self.assertEqual(handler.handle(signed(body), body, SECRET), (422, {"error": why}))


if __name__ == "__main__":
    unittest.main()
