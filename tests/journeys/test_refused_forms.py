"""The journeys stop at a form that the site would refuse, and say why. The step that sends
every form (people.submit) is tried here in chromium against pages that Django renders for each
visitor, with Django's own CSRF check answering the POST: no site needs to run, so these run
with the rest of the suite."""

import re

import pytest
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template import engines
from django.test import RequestFactory

from .people import submit

pytestmark = pytest.mark.browser

SITE = "http://journeys.test"
# The form as templates/endorsements/endorse.html had it when issue 12 was filed: the page's own
# token, then a fragment kept in the cache for everybody, holding a token of whoever filled it.
CACHED_FRAGMENT = """{% load cache %}<!doctype html><html lang="en"><title>Endorse</title>
<form method="post" action="/endorse/">{% csrf_token %}
{% cache 600 journeys-endorsement-form %}{% csrf_token %}<input name="name">{% endcache %}
<button>Endorse the declaration</button></form>"""
PER_VISITOR = CACHED_FRAGMENT.replace("{% cache 600 journeys-endorsement-form %}", "").replace(
    "{% endcache %}", ""
)


def django_answers(request, *, template: str) -> dict:
    """What Django answers: a GET renders `template` for the visitor (a first visit gets its
    own CSRF cookie), a POST goes through CsrfViewMiddleware."""
    cookie = request.headers.get("cookie", "")
    if request.method == "GET":
        rendering = RequestFactory().get("/endorse/", HTTP_COOKIE=cookie)
        html = engines["django"].from_string(template).render(request=rendering)
        headers = {"Set-Cookie": f"csrftoken={rendering.META['CSRF_COOKIE']}; Path=/"}
        return {"body": html, "content_type": "text/html", "headers": headers}
    posted = RequestFactory().post(
        "/endorse/",
        request.post_data,
        content_type="application/x-www-form-urlencoded",
        HTTP_COOKIE=cookie,
    )
    sent = HttpResponse("<!doctype html><html lang='en'><h1>Check your email</h1>")
    refused = CsrfViewMiddleware(lambda request: sent).process_view(posted, None, (), {})
    answer = refused or sent
    return {"status": answer.status_code, "body": answer.content, "content_type": "text/html"}


@pytest.fixture
def visitor(browser):
    """`visitor(template)`: a new visitor (own browser context, no cookies yet) on a form that
    Django renders from `template`; returns their page and the form's button."""
    contexts = []

    def arrive(template: str):
        context = browser.new_context()
        contexts.append(context)
        context.route(
            f"{SITE}/**",
            lambda route: route.fulfill(**django_answers(route.request, template=template)),
        )
        page = context.new_page()
        page.goto(f"{SITE}/endorse/")
        return page, page.get_by_role("button", name="Endorse the declaration")

    yield arrive
    for context in contexts:
        context.close()


def test_a_cached_form_carrying_a_token_fails_the_journey_before_it_is_sent(visitor):
    first, first_button = visitor(CACHED_FRAGMENT)
    second, second_button = visitor(CACHED_FRAGMENT)

    sent_by_first = submit(first, first_button)
    with pytest.raises(AssertionError, match="the last one, which Django checks, is not this"):
        submit(second, second_button)
    with second.expect_navigation() as what_django_says:
        second_button.click()

    assert sent_by_first.status == 200
    assert what_django_says.value.status == 403
    assert "The form has expired" in what_django_says.value.text()


def test_a_form_refused_by_the_site_fails_the_journey_with_the_answer(visitor):
    page, button = visitor(PER_VISITOR)
    page.context.clear_cookies()

    with pytest.raises(AssertionError, match=re.escape(f"POST {SITE}/endorse/ answered 403")):
        submit(page, button)


def test_forms_with_each_visitors_own_token_are_sent(visitor):
    visitors = [visitor(PER_VISITOR) for _ in range(3)]

    answers = [submit(page, button) for page, button in visitors]

    assert [answer.status for answer in answers] == [200, 200, 200]
