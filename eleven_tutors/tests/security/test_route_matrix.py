"""Every API route x method x role answers exactly what ``matrix.py`` says (issue 14).

The routes come from the URL configuration itself (DRF routers and plain paths), so a new
endpoint, or a new method on an old one, fails ``test_every_route_and_method_has_an_entry``
until its row is written; each row is then sent as every role against one shared world
(``world.py``) and must get the stated status for each, no 5xx anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from eleven_tutors.tests.security import matrix
from eleven_tutors.tests.security.world import ROLES, build_world, world_namespace
from payments.tests.conftest import fake_stripe  # noqa: F401  (pytest fixture: Stripe's API, faked locally)
from users.models import User

MATRIX_FILE = "eleven_tutors/tests/security/matrix.py"
IGNORED_METHODS = {"OPTIONS", "HEAD"}  # answered by Django/DRF for every view alike


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    view: str
    methods: tuple[str, ...]


def _methods(callback) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: the router bound these methods
        return tuple(sorted(m.upper() for m in actions if m.upper() not in IGNORED_METHODS))
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is None:  # a function view: it answers GET (ours: prometheus metrics)
        return ("GET",)
    names = getattr(view_class, "http_method_names", [])
    return tuple(sorted(m.upper() for m in names if hasattr(view_class, m) and m.upper() not in IGNORED_METHODS))


def _walk(patterns, prefix: str = "", namespace: str | None = None) -> Iterator[Route]:
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace])) or None
            yield from _walk(entry.url_patterns, pattern, inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Route(name or "", pattern.replace("^", "").replace("$", ""), view.__name__, _methods(callback))


def all_routes() -> list[Route]:
    return [
        route
        for route in _walk(get_resolver().url_patterns)
        if not any(route.pattern.startswith(prefix) for prefix in matrix.SKIPPED_PREFIXES)
    ]


def _calls(entry) -> list[matrix.Call]:
    return entry if isinstance(entry, list) else [entry]


def _cases() -> list:
    cases = []
    for name, methods in matrix.ROUTES.items():
        for method, entry in methods.items():
            for call in _calls(entry):
                label = f"{name} {method}" + (f" [{call.label}]" if call.label else "")
                cases.append(pytest.param(name, method, call, id=label))
    return cases


# --- Coverage: the table has a row for every route and method -----------------------------------


def _entry_hint(route: Route, methods: list[str]) -> str:
    lines = "\n".join(f'        "{m}": Call(expect(...){", body={...}" if m != "GET" else ""}),' for m in methods)
    return f'    "{route.name}": {{\n{lines}\n    }},'


def test_every_route_and_method_has_an_entry():
    problems = []
    seen_names = set()
    for route in all_routes():
        if not route.name:
            problems.append(
                f"- the route /{route.pattern} ({route.view}) has no name: give it one in its urls.py "
                f"(the table is keyed by route name), or skip its prefix in {MATRIX_FILE} SKIPPED_PREFIXES "
                "with the reason"
            )
            continue
        seen_names.add(route.name)
        entry = matrix.ROUTES.get(route.name)
        if entry is None:
            problems.append(
                f"- route '{route.name}' (/{route.pattern}, view {route.view}, methods {', '.join(route.methods)}) "
                f"has no entry in {MATRIX_FILE} ROUTES. Add, with the status each role must get:\n"
                + _entry_hint(route, list(route.methods))
            )
            continue
        missing = [m for m in route.methods if m not in entry]
        if missing:
            problems.append(
                f"- route '{route.name}' (/{route.pattern}, view {route.view}) answers {', '.join(missing)} "
                f'but its entry in {MATRIX_FILE} has no row for it. Add to "{route.name}":\n'
                + "\n".join(f'        "{m}": Call(expect(...)),' for m in missing)
            )
        extra = [m for m in entry if m not in route.methods]
        if extra:
            problems.append(
                f"- the entry '{route.name}' in {MATRIX_FILE} has rows for {', '.join(extra)}, which its view "
                f"{route.view} does not answer (405): remove them"
            )
    stale = sorted(set(matrix.ROUTES) - seen_names)
    if stale:
        problems.append(f"- entries in {MATRIX_FILE} for routes that no longer exist: {stale}: remove them")
    assert not problems, "The authorisation matrix does not cover the URL configuration:\n" + "\n".join(problems)


def test_the_enumeration_sees_routers_and_plain_paths():
    """The enumeration itself: router-generated routes and plain paths, with their methods."""
    routes = {route.name: route for route in all_routes()}
    assert routes["course-detail"].methods == ("DELETE", "GET", "PATCH", "PUT")  # a router route
    assert routes["enrollment-detail"].methods == ("GET",)  # a read-only viewset route
    assert routes["token-obtain"].methods == ("POST",)  # a plain APIView path
    assert routes["prometheus-metrics"].methods == ("GET",)  # a function view
    assert not any(name.startswith("admin:") for name in routes)


# --- The world and the requests -------------------------------------------------------------------


@pytest.fixture(scope="module")
def _world_rows(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction rolled back at its end; every test runs in a
    savepoint on top of it, and every role's request in a savepoint of its own."""
    with django_db_blocker.unblock(), transaction.atomic():
        users, objects = build_world()
        yield (
            {role: u.pk if u else None for role, u in users.items()},
            {name: (type(obj), obj.pk) for name, obj in objects.items()},
        )
        transaction.set_rollback(True)


@pytest.fixture
def world(_world_rows, db, client_for, fake_stripe) -> SimpleNamespace:  # noqa: F811
    user_pks, object_pks = _world_rows
    users = {role: User.objects.get(pk=pk) if pk else None for role, pk in user_pks.items()}
    objects = {name: model.objects.get(pk=pk) for name, (model, pk) in object_pks.items()}
    return world_namespace(users, objects, client_for)


def _resolve(w: SimpleNamespace, value):
    if callable(value):
        return value(w)
    current = w
    for part in value.split("."):
        current = current[part] if isinstance(current, dict) else getattr(current, part)
    return current


def _path(name: str, call: matrix.Call, w: SimpleNamespace) -> str:
    route = next(r for r in all_routes() if r.name == name)
    params = [segment.split(">")[0].split(":")[-1].lstrip("<") for segment in route.pattern.split("<")[1:]]
    params += [segment.split(">")[0] for segment in route.pattern.split("(?P<")[1:]]
    kwargs = {}
    for param in dict.fromkeys(params):
        source = call.kwargs.get(param, matrix.DEFAULT_KWARGS.get(param))
        assert source is not None, f"{MATRIX_FILE}: '{name}' needs kwargs={{'{param}': ...}} (no default for it)"
        kwargs[param] = str(_resolve(w, source))
    return reverse(name, kwargs=kwargs)


def _send(w: SimpleNamespace, role: str, name: str, method: str, call: matrix.Call):
    client = w.client(role)
    path = _path(name, call, w)
    query = call.query(w) if callable(call.query) else call.query
    if query:
        path = f"{path}?{urlencode(query)}"
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in call.headers.items() if k.lower() != "content-type"}
    if call.raw is not None:
        return client.generic(
            method, path, call.raw, content_type=call.headers.get("content-type", "application/json"), **extra
        )
    body = call.body(w) if callable(call.body) else call.body
    if body is None:
        return client.generic(method, path, **extra)
    return client.generic(method, path, json.dumps(body), content_type="application/json", **extra)


@pytest.mark.parametrize(("name", "method", "call"), _cases())
def test_route_answers_each_role_as_the_table_says(name, method, call, world):
    observed, check_failures = {}, []
    for role in ROLES:
        cache.clear()  # throttle counts of the previous role's request (same client address)
        with transaction.atomic():
            response = _send(world, role, name, method, call)
            if call.check is not None and response.status_code == call.expected[role]:
                try:
                    call.check(world, role, response)
                except AssertionError as error:
                    check_failures.append(f"  {role:12} {error}")
            transaction.set_rollback(True)
        observed[role] = response.status_code
    server_errors = {role: code for role, code in observed.items() if code >= 500}
    wrong = {role: (call.expected[role], code) for role, code in observed.items() if call.expected[role] != code}
    if wrong or server_errors:
        default = max(set(observed.values()), key=list(observed.values()).count)
        as_entry = ", ".join([str(default)] + [f"{r}={c}" for r, c in observed.items() if c != default])
        lines = "\n".join(f"  {role:12} expected {exp}, got {got}" for role, (exp, got) in wrong.items())
        pytest.fail(
            f"{method} {name} [{call.label or 'default'}]:\n{lines}\n"
            f"  observed as an entry: expect({as_entry}) — change {MATRIX_FILE} only if that is the intended rule"
            + (f"\n  server errors: {server_errors}" if server_errors else "")
        )
    assert not check_failures, (
        f"{method} {name} [{call.label or 'default'}] shows too much or too little:\n" + "\n".join(check_failures)
    )
