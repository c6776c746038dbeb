"""The desk and the portal in a real browser: Debian's Chromium, headless, driven by
Playwright against ``ticketry serve`` running on a temporary SQLite database.

They run once, on the SQLite pass of ``make test`` (the pages do not depend on the
database; the HTTP tests cover both). Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.conftest import BACKEND

CHROMIUM = os.environ.get("TICKETRY_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SLUG = "browser-shop"
EMAIL = "alice@browser-shop.test"
PASSWORD = "correct horse battery"
ORDER, CUSTOMER = "ORD-2024-0042", "jana.novakova@example.com"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(BACKEND != "sqlite", reason="browser tests run once, on the SQLite pass"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@dataclass
class Server:
    base: str
    ticket_code: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(url: str) -> str:
    """An order to return from, and a ticket to find (through the domain, as the API would)."""
    from ticketry.db import create_engine, create_sessionmaker
    from ticketry.domain.accounts.services import account_get
    from ticketry.domain.orders.models import Order, OrderItem, Store
    from ticketry.domain.tickets.commands import CustomerData, ItemData, TicketData
    from ticketry.domain.tickets.services import ticket_create
    from ticketry.domain.types import utcnow

    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            account = await account_get(session, slug=SLUG)
            account.language, account.name = "cs", "Běžecký obchod"
            store = Store(account_id=account.id, code="main", name="Main")
            session.add(store)
            await session.flush()
            order = Order(
                account_id=account.id,
                store_id=store.id,
                code=ORDER,
                order_date=utcnow(),
                currency="CZK",
                customer_email=CUSTOMER,
                customer={"first_name": "Jana", "last_name": "Nováková"},
            )
            session.add(order)
            await session.flush()
            session.add_all(
                [
                    OrderItem(
                        account_id=account.id,
                        order_id=order.id,
                        position=0,
                        name="Trail running shoes",
                        code="SHOE-42",
                        amount=Decimal(1),
                    ),
                    OrderItem(
                        account_id=account.id,
                        order_id=order.id,
                        position=1,
                        name="Merino socks",
                        code="SOCK-1",
                        amount=Decimal(3),
                    ),
                ]
            )
            await session.commit()
            for n in range(3):
                await ticket_create(
                    session,
                    account=account,
                    actor=None,
                    data=TicketData(
                        subject=f"Question {n}",
                        customer=CustomerData(email=f"c{n}@example.com", name=f"Customer {n}"),
                    ),
                )
            ticket = await ticket_create(
                session,
                account=account,
                actor=None,
                data=TicketData(
                    subject="Zipper broke after a week",
                    customer=CustomerData(email="vladimir@example.com", name="Vladimír Remek"),
                    products=[ItemData(name="Winter jacket", product_id="JACKET-1")],
                ),
            )
            await session.commit()
            return ticket.code
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'browser.sqlite3'}"
    env = {
        **os.environ,
        "TICKETRY_DATABASE_URL": url,
        "TICKETRY_VAR_DIR": str(tmp),
        "TICKETRY_FILES_DIR": str(tmp / "files"),
    }
    cli = shutil.which("ticketry", path=str(Path(sys.executable).parent)) or "ticketry"
    subprocess.run([cli, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            cli,
            "user",
            "create",
            "--account",
            SLUG,
            "--email",
            EMAIL,
            "--password",
            PASSWORD,
            "--role",
            "admin",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    code = asyncio.run(_seed(url))
    port = _free_port()
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError((tmp / "server.log").read_text())
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield Server(base=base, ticket_code=code)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(page: object, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_agent_signs_in_finds_replies_notes_and_closes(
    server: Server, browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    label = tmp_path / "return-label.png"
    label.write_bytes(PNG)

    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{server.base}/desk/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Account").fill(SLUG)
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    _shot(page, "desk-sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    _shot(page, "desk-ticket-list")

    # htmx updates the results as the agent types; the accent-free query finds "Vladimír".
    page.get_by_label("Search").fill("vladimir remek")
    results = page.locator("#ticket-results")
    expect(results.get_by_role("link", name=server.ticket_code)).to_be_visible()
    expect(results.get_by_text("Customer 1")).to_have_count(0)
    _shot(page, "desk-search")
    results.get_by_role("link", name=server.ticket_code).click()
    expect(
        page.get_by_role("heading", name=f"Ticket {server.ticket_code}", exact=False)
    ).to_be_visible()

    # A rejected file comes back as a 400 page that htmx shows, typed text kept.
    page.get_by_label("Public reply to the customer").fill("We will send a new zipper today.")
    page.get_by_label("Attach files to the reply").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just text"}
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply-files-error")).to_contain_text("Unsupported file type")
    expect(page.get_by_label("Public reply to the customer")).to_have_value(
        "We will send a new zipper today."
    )
    page.get_by_label("Attach files to the reply").set_input_files(str(label))
    page.get_by_role("button", name="Send reply").click()
    reply = page.locator(".msg.public").filter(has_text="We will send a new zipper today.")
    expect(reply).to_be_visible()
    attachment = reply.get_by_role("link", name="return-label.png")
    expect(attachment).to_be_visible()
    href = attachment.get_attribute("href")
    assert href and href.startswith("/desk/files/")
    download = page.request.get(f"{server.base}{href}")
    assert download.status == 200 and download.body() == PNG

    page.get_by_label("Internal note (agents only)").fill("Supplier batch 7 again.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".msg.internal").get_by_text("Supplier batch 7 again.")).to_be_visible()
    _shot(page, "desk-ticket-conversation")

    page.get_by_role("button", name="Close ticket").click()
    expect(page.locator(".ticket-head .status")).to_have_text("Uzavřeno")
    expect(page.get_by_role("button", name="Close ticket")).to_have_count(0)
    _shot(page, "desk-ticket-closed")

    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "desk-ticket-mobile")
    context.close()


def test_customer_files_a_return_and_comes_back(
    server: Server, browser: object, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    photo = tmp_path / "sole.png"
    photo.write_bytes(PNG)
    context = browser.new_context(viewport={"width": 414, "height": 896})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{server.base}/portal/{SLUG}/")
    expect(page.get_by_role("heading", name="Najděte svou objednávku")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Find your order")).to_be_visible()

    page.get_by_label("Order number").fill(ORDER)
    page.get_by_label("E-mail used for the order").fill("someone.else@example.com")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("could not find an order")
    _shot(page, "portal-lookup-failed")

    page.get_by_label("E-mail used for the order").fill(CUSTOMER)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=f"Order {ORDER}")).to_be_visible()
    page.get_by_label("Merino socks").fill("2")
    page.get_by_label("Reason").select_option(label="Return")
    page.get_by_label("Describe the problem").fill("Two pairs are the wrong size.")
    page.get_by_label("Photos", exact=False).set_input_files(str(photo))
    _shot(page, "portal-items")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    code = page.locator("strong.code").inner_text()
    assert code.isdigit()
    link = page.locator("a.secret").get_attribute("href")
    assert link and "/t/" in link
    _shot(page, "portal-acknowledged")

    again = context.new_page()
    again.goto(link)
    expect(again.get_by_text("Two pairs are the wrong size.")).to_be_visible()
    # The link itself carries no language: the portal speaks the account's (Czech).
    again.get_by_label("Vaše zpráva").fill("I can drop them at the post office tomorrow.")
    again.get_by_role("button", name="Odeslat").click()
    expect(again.get_by_text("I can drop them at the post office tomorrow.")).to_be_visible()
    _shot(again, "portal-ticket")
    context.close()


def test_core_paths_work_without_javascript(server: Server, browser: object) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{server.base}/desk/login")
    page.get_by_label("Account").fill(SLUG)
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Search").fill("c2@example.com")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#ticket-results").get_by_text("Question 2")).to_be_visible()
    expect(page.locator("#ticket-results").get_by_text("Question 1")).to_have_count(0)
    _shot(page, "desk-search-no-js")
    context.close()


def test_front_page_and_api_docs_work_offline(server: Server, browser: object) -> None:
    """The landing page links the desk, and the docs render Swagger UI from this server's
    own files (no request leaves it: the machine has no internet)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    elsewhere: list[str] = []
    page.on(
        "request",
        lambda r: elsewhere.append(r.url) if not r.url.startswith(server.base) else None,
    )
    page.goto(f"{server.base}/")
    expect(page.get_by_role("heading", name="Ticketry", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Agent desk")).to_have_attribute("href", "/desk/")
    _shot(page, "landing")
    page.get_by_role("link", name="API documentation").click()
    expect(page.get_by_text("Ticketry — Retino Tickets API v2")).to_be_visible(timeout=15000)
    expect(page.locator(".opblock").first).to_be_visible()
    _shot(page, "api-docs")
    assert [u for u in elsewhere if not u.startswith("data:")] == []
    context.close()
