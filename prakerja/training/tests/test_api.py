import datetime as dt

import pytest
import time_machine

from prakerja.core import clock
from prakerja.core.roles import Role
from prakerja.core.services import api_token_create
from prakerja.core.tests.factories import user_with_role
from prakerja.programs.tests.test_waves import verified_participant
from prakerja.training.models import Card, Course, CourseStatus, PurchaseStatus
from prakerja.training.services import platform_create

from .factories import (
    CardFactory,
    CourseFactory,
    PlatformFactory,
    PurchaseFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db

COURSE = {
    "title": "Digital Marketing untuk UMKM",
    "provider": "Lembaga Kursus Nusantara",
    "price": 750_000,
    "mode": "online",
    "category": "Pemasaran",
    "description": "Belajar pemasaran digital.",
    "hours": 12,
}


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def call(client, method, path, data=None, token=None):
    kwargs = bearer(token) if token else {}
    if data is not None:
        return getattr(client, method)(path, data, content_type="application/json", **kwargs)
    return getattr(client, method)(path, **kwargs)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"}
    assert body["code"] == code, body
    return body


@pytest.fixture
def platform():
    platform, token = platform_create(slug="skillku", name="SkillKu")
    platform.token = token
    return platform


@pytest.fixture
def card(client):
    card = CardFactory()
    client.force_login(card.participant)
    return card


@pytest.fixture
def participant_token(card):
    return api_token_create(user=card.participant, name="app")[1]


# --- The participant's card -----------------------------------------------------------------------


def test_my_card(client, card):
    body = client.get("/api/v1/me/card").json()
    assert body["number"] == card.number
    assert body["status"] == "active"
    assert body["balance"] == 1_000_000
    assert body["initial_balance"] == 1_000_000
    assert body["wave"] == card.application.wave.number
    deadline = dt.datetime.fromisoformat(body["first_purchase_deadline"])
    assert abs(deadline - card.first_purchase_deadline) < dt.timedelta(milliseconds=1)


def test_my_card_with_a_token(client, card, participant_token):
    client.logout()
    response = call(client, "get", "/api/v1/me/card", token=participant_token)
    assert response.json()["number"] == card.number


def test_no_card_before_the_results(client):
    participant = verified_participant()
    client.force_login(participant)
    assert_error(client.get("/api/v1/me/card"), 404, "no_card")
    card = CardFactory(
        application__wave__announce_at=clock.now() + dt.timedelta(hours=1),
        application__participant=participant,
    )
    assert_error(client.get("/api/v1/me/card"), 404, "no_card")
    with time_machine.travel(card.issued_at, tick=False):
        assert client.get("/api/v1/me/card").json()["number"] == card.number


def test_card_revoked_at_the_deadline_before_any_job(client, card):
    card.first_purchase_deadline = clock.now() + dt.timedelta(hours=1)
    card.save()
    with time_machine.travel(card.first_purchase_deadline - dt.timedelta(seconds=1), tick=False):
        assert client.get("/api/v1/me/card").json()["status"] == "active"
    with time_machine.travel(card.first_purchase_deadline, tick=False):
        body = client.get("/api/v1/me/card").json()
        assert body["status"] == "revoked"
        assert body["balance"] == 0
        course = CourseFactory()
        assert_error(
            call(client, "post", "/api/v1/me/purchases", {"course": course.pk}),
            409,
            "card_revoked",
        )
    assert Card.objects.get(pk=card.pk).revoked_at is None


def test_card_endpoints_need_a_participant(client):
    assert_error(client.get("/api/v1/me/card"), 401, "unauthenticated")
    client.force_login(user_with_role(Role.AGENT))
    assert_error(client.get("/api/v1/me/card"), 403, "not_a_participant")
    assert_error(
        call(client, "post", "/api/v1/me/purchases", {"course": 1}), 403, "not_a_participant"
    )


# --- Purchases ------------------------------------------------------------------------------------


def test_buy_list_cancel(client, card):
    course = CourseFactory(price=600_000)
    response = call(client, "post", "/api/v1/me/purchases", {"course": course.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["balance"] == 400_000
    assert body["course"] == course.pk
    code = body["voucher_code"]
    [listed] = client.get("/api/v1/me/purchases").json()
    assert listed["voucher_code"] == code
    assert listed["status"] == "paid"
    assert listed["certificate_number"] is None
    assert_error(
        call(client, "post", "/api/v1/me/purchases", {"course": course.pk}), 409, "already_bought"
    )
    assert_error(
        call(client, "post", "/api/v1/me/purchases", {"course": CourseFactory(price=400_001).pk}),
        409,
        "insufficient_balance",
    )
    cancelled = call(client, "post", f"/api/v1/me/purchases/{code}/cancel")
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"
    assert client.get("/api/v1/me/card").json()["balance"] == 1_000_000
    assert_error(
        call(client, "post", f"/api/v1/me/purchases/{code}/cancel"), 409, "already_cancelled"
    )


def test_buying_an_unapproved_or_unknown_course(client, card):
    pending = CourseFactory(status=CourseStatus.PENDING)
    assert_error(
        call(client, "post", "/api/v1/me/purchases", {"course": pending.pk}),
        409,
        "course_unavailable",
    )
    assert_error(
        call(client, "post", "/api/v1/me/purchases", {"course": 999_999}), 404, "course_not_found"
    )


def test_another_participants_voucher_is_not_found(client, card):
    other = PurchaseFactory(completed=True)
    assert_error(
        call(client, "post", f"/api/v1/me/purchases/{other.voucher_code}/cancel"),
        404,
        "voucher_not_found",
    )
    assert_error(
        call(
            client,
            "post",
            f"/api/v1/me/purchases/{other.voucher_code}/review",
            {"rating": 5, "review": "x"},
        ),
        404,
        "voucher_not_found",
    )


def test_review_after_completion(client, card):
    purchase = PurchaseFactory(card=card)
    path = f"/api/v1/me/purchases/{purchase.voucher_code}/review"
    assert_error(
        call(client, "post", path, {"rating": 5, "review": "Bagus"}), 409, "training_not_completed"
    )
    purchase.status = PurchaseStatus.COMPLETED
    purchase.save()
    response = call(client, "post", path, {"rating": 5, "review": "Bagus sekali"})
    assert response.status_code == 201, response.content
    assert response.json()["rating"] == 5
    assert_error(
        call(client, "post", path, {"rating": 4, "review": "Lagi"}), 409, "already_reviewed"
    )
    body = client.get(f"/api/v1/courses/{purchase.course_id}").json()
    assert body["rating"] == 5.0
    assert body["reviews"][0]["review"] == "Bagus sekali"
    assert body["reviews"][0]["reviewer"] == card.participant.get_short_name()


# --- The catalog ----------------------------------------------------------------------------------


def test_catalog_search_public_and_paginated(client, django_assert_num_queries):
    skill = PlatformFactory(slug="skill", name="Skill")
    for n in range(25):
        CourseFactory(title=f"Website {n:02d}", platform=skill, price=100_000 + n)
    CourseFactory(title="Menjahit", mode="offline", category="Busana")
    CourseFactory(title="Website Rahasia", status=CourseStatus.PENDING)
    with django_assert_num_queries(2):
        body = client.get("/api/v1/courses?q=website").json()
    assert body["count"] == 25
    assert len(body["items"]) == 20
    item = body["items"][0]
    assert set(item) >= {"id", "title", "provider", "platform", "price", "mode", "rating"}
    assert item["title"] == "Website 00"
    assert item["platform"] == "skill"
    assert item["rating"] is None
    second = client.get("/api/v1/courses?q=website&page=2").json()
    assert [i["title"] for i in second["items"]] == [f"Website {n}" for n in range(20, 25)]
    assert client.get("/api/v1/courses?mode=offline").json()["count"] == 1
    assert client.get("/api/v1/courses?category=Busana").json()["count"] == 1
    assert client.get("/api/v1/courses?platform=skill&price_max=100004").json()["count"] == 5


def test_course_page_with_reviews(client, django_assert_num_queries):
    course = CourseFactory(rating_count=2, rating_sum=9)
    for _ in range(3):
        ReviewFactory(purchase__course=course)
    with django_assert_num_queries(2):
        body = client.get(f"/api/v1/courses/{course.pk}").json()
    assert body["rating"] == 4.5
    assert len(body["reviews"]) == 3
    hidden = CourseFactory(status=CourseStatus.PENDING)
    assert_error(client.get(f"/api/v1/courses/{hidden.pk}"), 404, "course_not_found")


# --- Partner API ----------------------------------------------------------------------------------


def test_partner_course_put_creates_then_updates(client, platform):
    path = "/api/v1/partner/courses/DM-001"
    created = call(client, "put", path, COURSE, token=platform.token)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "pending"
    course_id = created.json()["id"]
    assert client.get("/api/v1/courses").json()["count"] == 0
    updated = call(
        client, "put", path, {**COURSE, "price": 800_000, "approved": True}, token=platform.token
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["id"] == course_id
    assert updated.json()["status"] == "approved"
    [item] = client.get("/api/v1/courses").json()["items"]
    assert item["price"] == 800_000
    assert item["provider"] == "Lembaga Kursus Nusantara"


def test_approved_is_ignored_without_the_setting(client, platform, settings):
    settings.PRAKERJA_AUTO_APPROVE_COURSES = False
    response = call(
        client,
        "put",
        "/api/v1/partner/courses/X",
        {**COURSE, "approved": True},
        token=platform.token,
    )
    assert response.status_code == 201
    assert Course.objects.get(pk=response.json()["id"]).status == CourseStatus.PENDING


def test_partner_redeem_and_complete(client, platform):
    course = CourseFactory(platform=platform)
    purchase = PurchaseFactory(course=course)
    path = f"/api/v1/partner/vouchers/{purchase.voucher_code}"
    assert_error(
        call(
            client,
            "post",
            f"{path}/completion",
            {"completed_at": clock.now().isoformat(), "score": 90},
            token=platform.token,
        ),
        409,
        "voucher_not_redeemed",
    )
    redeemed = call(client, "post", f"{path}/redeem", token=platform.token)
    assert redeemed.status_code == 200, redeemed.content
    body = redeemed.json()
    assert body["voucher_code"] == purchase.voucher_code
    assert body["course"] == course.pk
    assert body["participant_name"] == purchase.card.participant.get_full_name()
    assert_error(
        call(client, "post", f"{path}/redeem", token=platform.token), 409, "voucher_redeemed"
    )
    looked_up = call(client, "get", path, token=platform.token).json()
    assert looked_up["status"] == "redeemed"
    done = call(
        client,
        "post",
        f"{path}/completion",
        {"completed_at": clock.now().isoformat(), "score": 90},
        token=platform.token,
    )
    assert done.status_code == 201, done.content
    assert done.json()["certificate_number"].startswith("PRK-")
    assert_error(
        call(
            client,
            "post",
            f"{path}/completion",
            {"completed_at": clock.now().isoformat(), "score": 90},
            token=platform.token,
        ),
        409,
        "already_completed",
    )


def _partner_requests(voucher_code: str, external_id: str):
    completion = {"completed_at": clock.now().isoformat(), "score": 80}
    return [
        ("get", f"/api/v1/partner/vouchers/{voucher_code}", None),
        ("post", f"/api/v1/partner/vouchers/{voucher_code}/redeem", None),
        ("post", f"/api/v1/partner/vouchers/{voucher_code}/completion", completion),
    ]


@pytest.mark.parametrize("redeemed", [False, True])
def test_partner_endpoints_refuse_another_platforms_vouchers(client, platform, redeemed):
    purchase = PurchaseFactory(redeemed=redeemed)  # a course of another platform
    for method, path, data in _partner_requests(purchase.voucher_code, "x"):
        assert_error(
            call(client, method, path, data, token=platform.token), 404, "voucher_not_found"
        )
    purchase.refresh_from_db()
    assert purchase.status == (PurchaseStatus.REDEEMED if redeemed else PurchaseStatus.PAID)


def test_partner_course_of_the_same_external_id_stays_per_platform(client, platform):
    theirs = CourseFactory(external_id="SAME", title="Milik platform lain")
    response = call(client, "put", "/api/v1/partner/courses/SAME", COURSE, token=platform.token)
    assert response.status_code == 201
    assert response.json()["id"] != theirs.pk
    theirs.refresh_from_db()
    assert theirs.title == "Milik platform lain"


def test_partner_endpoints_refuse_participants(client, card, participant_token):
    client.logout()
    purchase = PurchaseFactory(card=card)
    requests = [
        *_partner_requests(purchase.voucher_code, "x"),
        ("put", "/api/v1/partner/courses/X", COURSE),
    ]
    for method, path, data in requests:
        assert_error(
            call(client, method, path, data, token=participant_token), 403, "not_a_platform"
        )
        assert_error(call(client, method, path, data), 401, "unauthenticated")
    assert_error(
        call(client, "get", "/api/v1/partner/vouchers/X", token="pk_wrong"), 401, "unauthenticated"
    )


def test_a_suspended_platform_is_refused(client, platform):
    platform.is_active = False
    platform.save()
    assert_error(
        call(client, "put", "/api/v1/partner/courses/X", COURSE, token=platform.token),
        403,
        "not_a_platform",
    )


# --- Bad input on every endpoint ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [{}, {"course": "abc"}, {"course": "1"}, {"course": None}, {"course": True}, []],
)
def test_purchase_bad_input(client, card, data):
    assert_error(call(client, "post", "/api/v1/me/purchases", data), 422, "validation_error")


def test_purchase_malformed_json(client, card):
    response = client.post("/api/v1/me/purchases", "{", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "code" in response.json()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rating": 0, "review": "ok"}, "rating"),
        ({"rating": 6, "review": "ok"}, "rating"),
        ({"rating": 3, "review": "   "}, "review"),
        ({"rating": 3, "review": "x" * 2001}, "review"),
        ({"rating": "lima", "review": "ok"}, "rating"),
        ({"review": "ok"}, "rating"),
        ({"rating": 4, "review": "ok\x00"}, "review"),
    ],
)
def test_review_bad_input(client, card, data, field):
    purchase = PurchaseFactory(card=card, completed=True)
    body = assert_error(
        call(client, "post", f"/api/v1/me/purchases/{purchase.voucher_code}/review", data),
        422,
        "validation_error",
    )
    assert field in body["errors"]


@pytest.mark.parametrize(
    "query",
    ["mode=hybrid", "price_max=-1", "price_max=murah", "page=0", "page_size=101", "q=" + "a" * 101],
)
def test_catalog_bad_input(client, query):
    assert_error(client.get(f"/api/v1/courses?{query}"), 422, "validation_error")


def test_course_page_bad_id(client):
    assert_error(client.get("/api/v1/courses/abc"), 422, "validation_error")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": 0}, "price"),
        ({"price": "750000"}, "price"),
        ({"price": 1.5}, "price"),
        ({"mode": "hybrid"}, "mode"),
        ({"hours": 0}, "hours"),
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"provider": " "}, "provider"),
        ({"category": "x" * 61}, "category"),
        ({"title": "Kursus\x00"}, "title"),
        ({"description": "x\x00"}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"schedule": 5}, "schedule"),
    ],
)
def test_partner_course_bad_input(client, platform, change, field):
    body = assert_error(
        call(
            client, "put", "/api/v1/partner/courses/X", {**COURSE, **change}, token=platform.token
        ),
        422,
        "validation_error",
    )
    assert field in body["errors"]
    assert not Course.objects.exists()


def test_partner_course_missing_fields(client, platform):
    body = assert_error(
        call(client, "put", "/api/v1/partner/courses/X", {}, token=platform.token),
        422,
        "validation_error",
    )
    assert {"title", "provider", "price", "mode", "category", "hours"} <= set(body["errors"])


def test_partner_course_too_long_external_id(client, platform):
    body = assert_error(
        call(client, "put", f"/api/v1/partner/courses/{'x' * 101}", COURSE, token=platform.token),
        422,
        "validation_error",
    )
    assert "external_id" in body["errors"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"completed_at": "kemarin", "score": 80}, "completed_at"),
        ({"completed_at": "2999-01-01T00:00:00+07:00", "score": 80}, "completed_at"),
        ({"score": 80}, "completed_at"),
        ({"completed_at": "NOW", "score": 101}, "score"),
        ({"completed_at": "NOW", "score": "80"}, "score"),
        ({"completed_at": "NOW"}, "score"),
    ],
)
def test_partner_completion_bad_input(client, platform, data, field):
    purchase = PurchaseFactory(course=CourseFactory(platform=platform), redeemed=True)
    if data.get("completed_at") == "NOW":
        data = {**data, "completed_at": clock.now().isoformat()}
    body = assert_error(
        call(
            client,
            "post",
            f"/api/v1/partner/vouchers/{purchase.voucher_code}/completion",
            data,
            token=platform.token,
        ),
        422,
        "validation_error",
    )
    assert field in body["errors"]
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.REDEEMED


def test_unknown_voucher_codes(client, card, platform):
    assert_error(call(client, "post", "/api/v1/me/purchases/NOPE/cancel"), 404, "voucher_not_found")
    assert_error(
        call(client, "post", "/api/v1/partner/vouchers/NOPE/redeem", token=platform.token),
        404,
        "voucher_not_found",
    )


def test_nul_characters_are_refused_before_the_database(client, card, platform):
    """PostgreSQL refuses NUL in text: the edge refuses it first (core's control-character
    check), on every kind of training endpoint, never a 500."""
    responses = [
        client.get("/api/v1/courses?q=web%00&category=%00&platform=%00"),
        call(client, "post", "/api/v1/me/purchases/AB%00CD/cancel"),
        call(client, "post", "/api/v1/partner/vouchers/AB%00CD/redeem", token=platform.token),
        call(client, "put", "/api/v1/partner/courses/A%00B", COURSE, token=platform.token),
        call(
            client,
            "put",
            "/api/v1/partner/courses/A1",
            {**COURSE, "title": "x\x00"},
            token=platform.token,
        ),
    ]
    for response in responses:
        assert response.status_code == 422
        assert response.json()["code"] == "validation_error"


def test_my_purchases_query_budget(client, card, django_assert_num_queries):
    for _ in range(5):
        PurchaseFactory(card=card, completed=True)
    ReviewFactory(purchase__card=card)
    with django_assert_num_queries(4):
        body = client.get("/api/v1/me/purchases").json()
    assert len(body) == 6
    assert sum(p["reviewed"] for p in body) == 1
