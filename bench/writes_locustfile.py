"""Locust users for bench/writes.py: endorsers sending unique submissions at a constant rate,
and readers of `/`. Run by bench/writes.py (`locust --headless`), configured by environment:

    BENCH_RUN          a tag in every organisation name and email domain of this run
    BENCH_LOG          where to write one line per request (JSON)
    BENCH_WRITERS, BENCH_WRITER_RATE   endorser users, and submissions a second each
    BENCH_READERS, BENCH_READER_RATE   reader users, and GET / a second each
    BENCH_IP_HEADER    the header in which the proxy passes the client's address (X-Real-IP)

Each submission is a new person, as on the day: with no cookies, they load /endorse/ (which sets
their own CSRF cookie and carries their own token, the version on screen and the action lines
offered), then post the form they got with that cookie and token. The GET is part of the load
and of the figures ("form"), like the POST ("submit"). Every person comes from their own address
in 198.18.0.0/15, the range set aside for benchmarks, passed in BENCH_IP_HEADER as a proxy
would, so the rate limit per address stays on. A submission is accepted when the site redirects
to /endorse/check-your-email/.
"""

import itertools
import json
import os
import random
import re
import time
from urllib.parse import urlencode

from locust import FastHttpUser, constant_throughput, events, task

RUN = os.environ["BENCH_RUN"]
LOG = open(os.environ["BENCH_LOG"], "w", buffering=1)  # noqa: SIM115 - open for the whole run
IP_HEADER = os.environ.get("BENCH_IP_HEADER", "X-Real-IP")
SUBMISSIONS = itertools.count()

COUNTRIES = ["KE", "BR", "FR", "IN", "EG", "CN", "MX", "NG", "ID", "DE", "ZZ", "AR", "JP", "SA"]
TYPES = [
    "government",
    "intergovernmental",
    "ngo",
    "academia",
    "private",
    "foundation",
    "teachers-youth",
    "other",
]
NAMES = [
    "Schools Network",
    "مدارس متصلة",
    "连接学校联盟",
    "Réseau des écoles",
    "Сеть школ",
    "Red de Escuelas",
]
STATEMENTS = ["", "We will connect 200 rural schools by 2027.", "Nous connecterons nos écoles."]


def client_address(number: int) -> str:
    """The number-th address of 198.18.0.0/15 (131,072 addresses)."""
    number %= 2**17
    return f"198.{18 + number // 65536}.{number // 256 % 256}.{number % 256}"


@events.request.add_listener
def log_request(request_type, name, response_time, response, context, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    location = (response.headers.get("Location") or "") if response is not None else ""
    accepted = status == 302 and location.endswith("/endorse/check-your-email/")
    LOG.write(
        json.dumps(
            {
                "at": time.time(),
                "kind": name,
                "status": status,
                "ms": response_time,
                "accepted": name == "submit" and accepted,
                "error": str(exception)[:200] if exception else "",
                **context,
            },
            ensure_ascii=False,
        )
        + "\n"
    )


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
ACTION_LINE = re.compile(r'name="action_lines" value="(\d+)"')


class Endorser(FastHttpUser):
    fixed_count = int(os.environ.get("BENCH_WRITERS", "125"))
    wait_time = constant_throughput(float(os.environ.get("BENCH_WRITER_RATE", "2")))

    @task
    def endorse(self):
        """One person: a fresh browser opens the form, then sends it."""
        number = next(SUBMISSIONS)
        address = client_address(number)
        self.client.cookiejar.clear()
        with self.client.get(
            "/endorse/", name="form", headers={IP_HEADER: address}, catch_response=True
        ) as form:
            page = form.text or ""
            tokens = set(TOKEN.findall(page))
            if form.status_code != 200 or len(tokens) != 1:
                form.failure(f"form: status {form.status_code}, {len(tokens)} CSRF tokens")
                return
        name = f"{random.choice(NAMES)} {RUN} {number}"
        email = f"contact{number}@{RUN}.bench.example.org"
        action_lines = ACTION_LINE.findall(page)
        data = {
            "csrfmiddlewaretoken": tokens.pop(),
            "version": VERSION.search(page)[1],
            "organisation_name": name,
            "organisation_type": random.choice(TYPES),
            "country": random.choice(COUNTRIES),
            "website": random.choice(["", f"https://{RUN}-{number}.example.org"]),
            "contact_name": "Amina Odhiambo",
            "contact_role": "Director",
            "contact_email": email,
            "statement": random.choice(STATEMENTS),
            "action_lines": random.sample(action_lines, k=random.randint(0, 3)),
            "attestation": "on",
            "consent": "on",
            "nickname": "",
        }
        self.client.post(
            "/endorse/",
            data=urlencode(data, doseq=True),
            name="submit",
            allow_redirects=False,
            headers={
                IP_HEADER: address,
                "Referer": self.host + "/endorse/",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            context={"email": email, "name": name},
        )


class Reader(FastHttpUser):
    fixed_count = int(os.environ.get("BENCH_READERS", "10"))
    wait_time = constant_throughput(float(os.environ.get("BENCH_READER_RATE", "5")))

    @task
    def read(self):
        self.client.get("/", name="read", headers={IP_HEADER: "198.19.255.254"})
