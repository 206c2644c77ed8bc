"""The WSGI app of the load test (bench/load.py): production settings, two changes for a test rig.

* TESTING with CAPTCHA_TEST_ANSWER: locust cannot read the captcha's picture, so the challenge's
  answer is fixed (app.accounts.captcha honours it only in testing); the captcha is still issued,
  signed and checked once per lookup;
* the per-address and per-account ceilings are raised: one machine plays fifty people from
  127.0.0.1 with a few demo accounts. The limits are still counted, in Redis, on every request.
"""

from __future__ import annotations

import config
from app import create_app

UNLIMITED = "1000000 per hour"


class LoadConfig(config.Config):
    TESTING = True
    PROPAGATE_EXCEPTIONS = False  # our 500 page, as in production
    CAPTCHA_TEST_ANSWER = "LOAD1"
    AUTH_RATE_LIMIT = AUTH_ACCOUNT_RATE_LIMIT = PUBLIC_LOOKUP_RATE_LIMIT = UNLIMITED
    ACCOUNT_API_RATE_LIMIT = SIGNUP_RATE_LIMIT = UNLIMITED


app = create_app(LoadConfig)
