"""A locally rendered picture captcha (no external service): one-time, expiring, hashed in the session.

The Flask session is a signed but readable cookie, so it holds only an HMAC of the answer (keyed
with SECRET_KEY and a random nonce) and an expiry time, never the answer itself. Every check clears
it, right or wrong, so one picture allows one guess. Because an old cookie could be sent again, a
checked nonce is also remembered in the rate limiter's store (shared by all workers when
RATELIMIT_STORAGE_URI points at Redis) until the challenge would have expired: a replay fails.

Tests cannot read the picture; when the application is in testing mode and ``CAPTCHA_TEST_ANSWER``
is set, the picture shows that text instead of a random one. Everything else (hashing, expiry,
one-time use, case-insensitivity) runs exactly as in production.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from captcha.image import ImageCaptcha
from flask import current_app, session
from itsdangerous import BadData, URLSafeTimedSerializer

# Characters people do not confuse with each other: no 0/O, 1/I/L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 4
TTL_SECONDS = 300
SESSION_KEY = "captcha"


class LegibleCaptcha(ImageCaptcha):
    """A picture people can read (older eyes too): dark glyphs on white, little rotation, light noise."""

    character_rotate = (-12, 12)
    character_warp_dx = (0.05, 0.12)
    character_warp_dy = (0.05, 0.12)
    word_space_probability = 0.2

    def generate_image(self, chars: str, bg_color=None, fg_color=None):
        """Draw the characters in one dark colour with a few dots and one thin curve."""
        color = (20 + secrets.randbelow(40), 40 + secrets.randbelow(40), 90 + secrets.randbelow(60), 255)
        image = self.create_captcha_image(chars, color, (255, 255, 255))
        self.create_noise_dots(image, color, width=2, number=12)
        self.create_noise_curve(image, color)
        return image


def _digest(nonce: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"captcha|{nonce}|{answer.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def _new_text() -> str:
    forced = current_app.config.get("CAPTCHA_TEST_ANSWER")
    if forced and current_app.testing:
        return str(forced).upper()
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def new_captcha() -> bytes:
    """Store a fresh challenge in the session and return its picture as PNG bytes."""
    text = _new_text()
    nonce = secrets.token_hex(8)
    session[SESSION_KEY] = {"n": nonce, "h": _digest(nonce, text), "e": int(time.time()) + TTL_SECONDS}
    picture = LegibleCaptcha(width=160, height=60, font_sizes=(44, 48, 50))
    return picture.generate(text, format="png").getvalue()


def check_captcha(answer: str | None) -> bool:
    """Check the typed characters (case-insensitive) and forget the challenge either way."""
    stored = session.pop(SESSION_KEY, None)
    if not stored or not answer or int(stored.get("e", 0)) < time.time():
        return False
    if _seen_before(stored.get("n", "")):
        return False
    return hmac.compare_digest(stored.get("h", ""), _digest(stored.get("n", ""), answer))


def _seen_before(nonce: str) -> bool:
    """Remember a checked nonce until its challenge expires; tell whether it was checked already."""
    storage = current_app.appbuilder.sm.limiter.storage
    return storage.incr(f"captcha-used/{nonce}", TTL_SECONDS) > 1


# --- the JSON API: no session, so the challenge travels in a signed, expiring token ----------------

TOKEN_SALT = "account-api-captcha"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def new_captcha_token() -> tuple[str, bytes]:
    """Return a signed token of a fresh challenge (its answer only as a keyed hash) and its PNG picture."""
    text = _new_text()
    nonce = secrets.token_hex(8)
    token = _serializer().dumps({"n": nonce, "h": _digest(nonce, text)})
    return token, ImageCaptcha(width=160, height=60).generate(text, format="png").getvalue()


def captcha_challenge() -> dict[str, object]:
    """Return a new challenge as the JSON APIs answer it: the token, the PNG in base64 and its lifetime."""
    token, png = new_captcha_token()
    return {"token": token, "image": base64.b64encode(png).decode("ascii"), "media_type": "image/png",
            "expires_in": TTL_SECONDS}


def check_captcha_token(token: str | None, answer: str | None) -> bool:
    """Check the answer to a token's challenge; each token allows one guess, then it is refused."""
    if not isinstance(token, str) or not isinstance(answer, str) or not answer.strip():
        return False
    try:
        stored = _serializer().loads(token, max_age=TTL_SECONDS)
    except BadData:
        return False
    if not isinstance(stored, dict) or _seen_before(str(stored.get("n", ""))):
        return False
    return hmac.compare_digest(str(stored.get("h", "")), _digest(str(stored.get("n", "")), answer))
