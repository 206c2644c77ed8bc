"""The December peak in miniature (run by bench/load.py; locust lives in .venv-load).

Four kinds of users, weighted as the peak is: physicians (个人中心 and their applications' timeline),
institution clerks (their queue, an application, one confirmation), commission reviewers (the queue,
a search by name, an application) and the public (the register lookup, captcha included). The
``/healthz`` probe is the trivial endpoint measured in the same run. Every request is named by its
route, so the report has one line per endpoint; a wrong status or a missing mark is an error.
"""

from __future__ import annotations

import os
import random
import re

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "Demo@12345")
CAPTCHA = os.environ.get("LOAD_CAPTCHA", "LOAD1")
PHYSICIANS = ("physician", "zhao_min", "zhou_min", "wu_hao", "feng_tao", "he_jing")
# 北京's reviewer: at the peak the reviewers at work are provincial; the national queue (a million
# physicians' applications) is bench/queue_pages.py's case, not a crowd's
REVIEWERS = ("reviewer_11",)
SEARCH_TERMS = ("张", "王", "李", "批量")
LOOKUPS = ({"province": "110000", "name": "张明", "institution": "北京朝阳示范医院"},
           {"province": "110000", "name": "无此人", "institution": "北京朝阳示范医院"})
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
APPLICATION_LINK = re.compile(r'href="(/(?:me|institution|commission)/applications/\d+)"')
SUBMITTED_ID = re.compile(r'name="ids" value="(\d+)"')


class Visitor(HttpUser):
    """Shared helpers: a checked GET, and logging in through the real form with its CSRF token."""

    abstract = True
    wait_time = between(1, 3)

    def page(self, url: str, name: str, mark: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200 or mark not in response.text:
                response.failure(f"{response.status_code}, {mark!r} missing")
                return ""
            return response.text

    def list_then_one(self, url: str, mark: str) -> str:
        """Open a list of applications, then one of them at random; return the list's page."""
        page = self.page(url, url, mark)
        links = APPLICATION_LINK.findall(page)
        if links:
            self.page(random.choice(links), url + "<id>", "申请")
        return page

    def log_in(self, username: str) -> None:
        page = self.page("/login/", "/login/", "csrf_token")
        token = CSRF.search(page)
        with self.client.post("/login/", name="/login/ (POST)", allow_redirects=False, catch_response=True,
                              data={"username": username, "password": PASSWORD,
                                    "csrf_token": token.group(1) if token else ""}) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"login of {username} refused ({response.status_code})")


class Physician(Visitor):
    weight = 10

    def on_start(self) -> None:
        self.log_in(random.choice(PHYSICIANS))

    @task(3)
    def personal_centre(self) -> None:
        self.page("/me/", "/me/", "个人中心")

    @task(2)
    def timeline(self) -> None:
        self.list_then_one("/me/applications/", "申请")


class Clerk(Visitor):
    weight = 4

    def on_start(self) -> None:
        self.log_in("inst_admin")

    @task(4)
    def queue(self) -> None:
        self.list_then_one("/institution/applications/", "申请")

    @task(1)
    def confirm_one(self) -> None:
        page = self.page("/institution/applications/", "/institution/applications/", "申请")
        ids, token = SUBMITTED_ID.findall(page), CSRF.search(page)
        if not ids or not token:
            return
        with self.client.post("/institution/applications/act", name="/institution/applications/act (confirm)",
                              allow_redirects=False, catch_response=True,
                              data={"csrf_token": token.group(1), "action": "confirm", "ids": random.choice(ids)}
                              ) as response:
            if response.status_code != 302:
                response.failure(str(response.status_code))


class Reviewer(Visitor):
    weight = 4

    def on_start(self) -> None:
        self.log_in(random.choice(REVIEWERS))

    @task(3)
    def queue(self) -> None:
        self.list_then_one("/commission/applications/", "受理")

    @task(2)
    def search(self) -> None:
        self.page(f"/commission/applications/?status=all&q={random.choice(SEARCH_TERMS)}",
                  "/commission/applications/?q=", "受理")


class Public(Visitor):
    weight = 2

    @task(1)
    def lookup_page(self) -> None:
        self.page("/lookup/", "/lookup/", "医师执业注册信息查询")

    @task(2)
    def lookup_api(self) -> None:
        with self.client.post("/api/v1/public/captcha", name="/api/v1/public/captcha", json={},
                              catch_response=True) as response:
            if response.status_code != 200:
                response.failure(str(response.status_code))
                return
            token = response.json().get("token")
        query = dict(random.choice(LOOKUPS), captcha_token=token, captcha_answer=CAPTCHA)
        with self.client.post("/api/v1/public/lookup", name="/api/v1/public/lookup", json=query,
                              catch_response=True) as response:
            if response.status_code == 404 and response.json().get("code") == "lookup_no_match":
                response.success()  # no exact match: the right answer for a stranger's name
            elif response.status_code != 200:
                response.failure(f"{response.status_code} {response.text[:100]}")


class Probe(Visitor):
    """The trivial endpoint of the same app: what a request costs with no work behind it."""

    weight = 2

    @task
    def health(self) -> None:
        self.page("/healthz", "/healthz", "ok")
