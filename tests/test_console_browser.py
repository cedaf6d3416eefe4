"""The emulator console in a real browser: Playwright driving Debian's headless Chromium.

Orders are made through the SDK (https transport against the emulator); pushes go to a loopback
receiver. Every page is saved as a screenshot under ``tests/artifacts/console/`` (or the folder in
``CLOUDFN_CONSOLE_SCREENSHOTS``). Skipped when Chromium (``/usr/bin/chromium``, or
``CLOUDFN_CHROMIUM``) or the ``playwright`` package is missing; ``playwright install`` is never needed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List

import pytest

from cloudfn.emulator import Emulator
from cloudfn.emulator.testing import Raw, order_body, order_wire

CHROMIUM = os.environ.get("CLOUDFN_CHROMIUM", "/usr/bin/chromium")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CLOUDFN_CHROMIUM)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (pip install -e '.[test]')")
expect = sync_api.expect
expect.set_options(timeout=15_000)  # a shared CI machine: pushes and polls may take a few seconds

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = os.environ.get("CLOUDFN_CONSOLE_SCREENSHOTS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "artifacts", "console")
APP2, SECRET2 = "wx2222222222222222", "second-app-secret"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}


class Receiver:
    """A loopback business server that accepts every push ("success") and keeps the messages."""

    def __init__(self) -> None:
        messages: List[Dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                messages.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"success")

            def log_message(self, *args: Any) -> None:
                pass

        self.messages = messages
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def emu(receiver: Receiver) -> Iterator[Emulator]:
    emulator = Emulator(apps={"wx1111111111111111": "first-app-secret", APP2: SECRET2}, push_url=receiver.url,
                        push_token="console-push-token", push_backoff=0.01, push_timeout=5).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def sdk(emu: Emulator, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """cloudfn pointed at a freshly reset emulator (as the ``cloudfn_env`` fixture does); yields ``openapi.logistics``."""
    import cloudfn
    from cloudfn.tokens import MemoryTokenStore

    emu.reset()
    receiver.messages.clear()
    monkeypatch.setenv("CLOUDFN_API_BASE", emu.base_url)
    monkeypatch.setenv("WX_APPID", emu.appid)
    monkeypatch.setenv("WX_APPSECRET", emu.secret)
    cloudfn.init(transport="https", token_store=MemoryTokenStore())
    yield cloudfn.openapi.logistics
    cloudfn.reset()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    profile = tempfile.mkdtemp(prefix="cloudfn-console-chromium-")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS, headless=True, viewport=WIDE,
                                                       accept_downloads=True)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


EXPECTED_ERRORS: Dict[int, List[str]] = {}


def expect_console_error(page: Any, text: str) -> None:
    """The test provokes an error the browser logs (an admin route answering 400): not a failure."""
    EXPECTED_ERRORS.setdefault(id(page), []).append(text)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh tab at 1280×800; the test fails on any script error or console error (a CSP violation included)."""
    tab = browser.new_page()
    tab.set_viewport_size(WIDE)
    problems: List[str] = []
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    yield tab
    tab.close()
    allowed = EXPECTED_ERRORS.pop(id(tab), [])
    assert [p for p in problems if not any(a in p for a in allowed)] == []


def open_page(page: Any, emu: Emulator, route: str) -> None:
    page.goto(f"{emu.base_url}/_emulator/ui#/{route}")
    expect(page.locator("main")).to_have_attribute("data-ready", route.split("/")[0])


def shot(page: Any, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    label = page.locator("iframe.label")
    if label.count():  # a frame drawn once on screen shows in a full-page screenshot
        label.scroll_into_view_if_needed()
        page.mouse.wheel(0, -100000)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def section(page: Any, title: str) -> Any:
    return page.get_by_role("region", name=title)


# ---------------------------------------------------------------- orders -> order -> advance -> push


def test_filter_orders_open_one_advance_it_and_see_the_step_and_its_push(emu: Emulator, sdk: Any, page: Any, receiver: Receiver) -> None:
    first = sdk.addOrder(order_body("shop-1001"))
    sdk.addOrder(order_body("shop-1002"))
    sdk.addOrder(order_body("gift-2001"))
    raw = Raw(emu.base_url)
    raw.post(f"/cgi-bin/express/business/order/add?access_token={raw.token(APP2, SECRET2)}", order_wire("other-app-1"))
    raw.close()
    open_page(page, emu, "orders")
    rows = page.locator("#orders-table tbody tr")
    expect(rows).to_have_count(4)
    page.get_by_label("Order id or waybill id").fill("shop-")
    expect(rows).to_have_count(2)
    page.get_by_label("App", exact=True).select_option(APP2)
    expect(page.locator("#orders-table")).to_have_text("No order matches.")
    page.get_by_label("Order id or waybill id").fill("")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("other-app-1")
    page.get_by_label("App", exact=True).select_option("")
    page.get_by_label("Carrier").select_option("TEST")
    page.get_by_label("Status").select_option("created")
    page.get_by_label("Order id or waybill id").fill(first["waybillId"])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("shop-1001")  # the last search's answer, not an earlier one arriving late
    expect(page.locator("#order-count")).to_have_text("1 order(s)")
    shot(page, "orders")

    page.get_by_role("link", name=first["waybillId"]).click()
    expect(page.locator("main")).to_have_attribute("data-ready", "order")
    expect(page.get_by_role("heading", level=1)).to_have_text("Order shop-1001")
    main = page.locator("main")
    expect(main).to_contain_text("138****0000")
    assert "13800000000" not in main.inner_text()  # the label (in its own frame) is printHtml's, unmasked like a real label
    label = page.locator("iframe.label")
    assert label.get_attribute("sandbox") == ""
    expect(page.frame_locator("iframe.label").locator(".waybill-id")).to_have_text(first["waybillId"])
    steps = page.locator("#order-path li")
    expect(steps).to_have_count(0)

    page.get_by_role("button", name="Advance one step").click()
    expect(steps).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Advance one step")).to_contain_text("added")
    expect(page.locator("#order-pushes")).to_contain_text("add_express_path")
    expect(page.locator("#order-pushes td > .badge")).to_have_text("delivered")
    pushed = [m for m in receiver.messages if m.get("WayBillId") == first["waybillId"]]
    assert pushed and pushed[-1]["Count"] == 1 and pushed[-1]["Event"] == "add_express_path"
    word = page.locator("#order-path li strong").inner_text()
    assert word in ("picked up", "courier assigned")  # the first step of the TEST carrier's track, in words

    page.get_by_role("button", name="Advance to delivered").click()
    expect(steps.last).to_contain_text("delivered")
    expect(page.locator("#order-status")).to_have_text("delivered")
    expect(page.locator("#order-pushes td > .badge", has_text="delivered")).to_have_count(steps.count())  # each step pushed, live
    shot(page, "order")
    page.locator("iframe.label").screenshot(path=os.path.join(SHOTS, "order-label.png"))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=os.path.join(SHOTS, "order-1280x800.png"))  # the window as a developer sees it (docs/emulator/console-order.png)


def test_overview_shows_apps_accounts_printers_and_counts(emu: Emulator, sdk: Any, page: Any) -> None:
    sdk.bindAccount(type="bind", bizId="shop-biz", deliveryId="YUNDA", password="a-carrier-password")
    sdk.updatePrinter(openid="oPrinterAlice", updateType="bind", tagidList="101,102")
    sdk.addOrder(order_body("ov-1"))
    open_page(page, emu, "overview")
    app = section(page, f"App {emu.appid}")
    expect(app).to_contain_text("YUNDA")
    expect(app).to_contain_text("bound")
    expect(app).to_contain_text("oPrinterAlice — tag ids 101, 102")
    expect(app).to_contain_text("1 order(s): 1 created")
    expect(section(page, f"App {APP2}")).to_contain_text("No account bound.")
    expect(page.locator("main")).not_to_contain_text("a-carrier-password")
    shot(page, "overview")


# ---------------------------------------------------------------- actions


def test_a_fault_injected_from_the_page_fails_the_sdks_next_call(emu: Emulator, sdk: Any, page: Any) -> None:
    from cloudfn.errors import CloudSDKError

    open_page(page, emu, "actions")
    faults = section(page, "Faults")
    faults.get_by_label("API", exact=True).select_option("getAllDelivery")
    faults.get_by_label("Kind").select_option("errcode")
    faults.get_by_label("Errcode or status").fill("45009")
    faults.get_by_label("Errmsg").fill("quota spent, said the console")
    faults.get_by_role("button", name="Inject fault").click()
    expect(faults.get_by_role("status")).to_contain_text("fault #1 injected")
    expect(page.locator("#faults-table")).to_contain_text("getAllDelivery")

    with pytest.raises(CloudSDKError) as info:
        sdk.getAllDelivery()
    assert info.value.errCode == 45009 and "quota spent, said the console" in info.value.errMsg
    assert sdk.getAllDelivery()["count"] > 0  # count 1: spent

    faults.get_by_label("API", exact=True).select_option("getPath")
    faults.get_by_label("Kind").select_option("delay")
    faults.get_by_label("Probability (0–1)").fill("0.5")
    faults.get_by_label("Latency ms").fill("200")
    faults.get_by_label("± ms (std dev)").fill("50")
    faults.get_by_label("Count").fill("unlimited")
    faults.get_by_role("button", name="Inject fault").click()
    expect(page.locator("#faults-table")).to_contain_text('"delay_ms":{"mean":200,"stddev":50}')
    expect(page.locator("#faults-table")).to_contain_text('"probability":0.5')
    assert emu.faults.list()[0]["count"] is None
    shot(page, "actions")
    faults.get_by_role("button", name="Clear all faults").click()
    expect(faults.get_by_role("status")).to_have_text("every fault cleared")
    expect(page.locator("#faults-table")).to_have_text("No active fault.")
    assert emu.faults.list() == []

    open_page(page, emu, "calls")
    table = page.locator("#calls-table")
    expect(table).to_contain_text("45009")
    page.get_by_label("Errors only").check()
    expect(page.locator("#calls-table tbody tr")).to_have_count(1)
    page.locator("#calls-table summary").first.click()
    expect(table).to_contain_text("quota spent, said the console")
    sdk.getAllAccount()  # appears without a reload (not an error: hidden by the filter)
    page.get_by_label("Errors only").uncheck()
    expect(table).to_contain_text("getAllAccount")
    shot(page, "calls")


def test_clock_snapshot_and_reset_show_their_results(emu: Emulator, sdk: Any, page: Any, tmp_path: Any) -> None:
    added = sdk.addOrder(order_body("snap-1"))
    open_page(page, emu, "actions")
    clock = section(page, "Clock")
    clock.get_by_label("Seconds").fill("7200")
    clock.get_by_role("button", name="Move clock forward").click()
    expect(clock.get_by_role("status")).to_contain_text("+7200 s in all")

    advance = section(page, "Advance an order")
    expect(advance.get_by_label("Waybill id")).to_have_value(added["waybillId"])
    advance.get_by_label("To").select_option("failed")
    advance.get_by_role("button", name="Advance").click()
    expect(advance.get_by_role("status")).to_contain_text(added["waybillId"] + ": added")

    snapshot = section(page, "Snapshot")
    with page.expect_download() as download:
        snapshot.get_by_role("button", name="Download snapshot").click()
    saved = tmp_path / "snapshot.json"
    download.value.save_as(saved)
    expect(snapshot.get_by_role("status")).to_contain_text("snapshot downloaded: 1 order(s)")
    assert json.loads(saved.read_text())["orders"][0]["order_id"] == "snap-1"

    reset = section(page, "Reset")
    reset.get_by_role("button", name="Reset emulator").click()
    expect(reset.get_by_role("status")).to_have_text("emulator reset")
    assert emu.backend.orders() == []

    snapshot.get_by_label("Snapshot file to upload").set_input_files(str(saved))
    snapshot.get_by_role("button", name="Upload snapshot").click()
    expect(snapshot.get_by_role("status")).to_have_text("snapshot snapshot.json loaded")
    assert [o["order_id"] for o in emu.backend.orders()] == ["snap-1"]

    expect_console_error(page, "status of 400 (Bad Request)")
    snapshot.get_by_label("Snapshot file to upload").set_input_files({"name": "bad.json", "mimeType": "application/json", "buffer": b"{}"})
    snapshot.get_by_role("button", name="Upload snapshot").click()
    expect(snapshot.get_by_role("status")).to_contain_text("errcode 47001")


# ---------------------------------------------------------------- events, live


def test_events_page_updates_live_without_a_reload(emu: Emulator, sdk: Any, page: Any) -> None:
    added = sdk.addOrder(order_body("live-1"))
    open_page(page, emu, "events")
    expect(page.locator("#events-table")).to_have_text("No event yet.")
    page.evaluate("window.__sameDocument = true")
    raw = Raw(emu.base_url)
    raw.post("/_emulator/orders/advance", {"waybill_id": added["waybillId"], "to": "next"})
    raw.close()
    row = page.locator("#events-table > .scroll > table > tbody > tr")  # not the rows of each event's attempts table
    expect(row).to_have_count(1)
    expect(row).to_contain_text("add_express_path")
    expect(row.locator("td > .badge")).to_have_text("delivered")
    row.get_by_text("Payload and attempts").click()
    expect(row).to_contain_text(added["waybillId"])
    assert page.evaluate("window.__sameDocument") is True
    shot(page, "events")


# ---------------------------------------------------------------- keyboard and narrow window


def _focused(page: Any) -> str:
    return str(page.evaluate("(() => { const e = document.activeElement; "
                             "return e.id ? '#' + e.id : (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 40); })()"))


def _tab_to(page: Any, wanted: str, limit: int = 40) -> List[str]:
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(_focused(page))
        if wanted in seen[-1]:
            return seen
    raise AssertionError(f"{wanted!r} not reached with Tab; focus went {seen}")


def test_keyboard_only_from_the_overview_to_an_advanced_order(emu: Emulator, sdk: Any, page: Any) -> None:
    added = sdk.addOrder(order_body("keys-1"))
    open_page(page, emu, "overview")
    assert _focused(page) == "#page-title"  # each page moves focus to its heading
    expect(page.locator("#page-title")).to_have_text("Overview")
    order = _tab_to(page, "Actions")
    assert order == ["Skip to content", "Overview", "Orders", "Events", "Calls", "Actions"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert _focused(page) == "Orders"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_have_attribute("data-ready", "orders")
    assert _focused(page) == "#page-title"
    page.keyboard.press("Tab")
    assert _focused(page) == "#f-q"
    page.keyboard.type("keys-")
    expect(page.locator("#orders-table tbody tr")).to_have_count(1)
    assert _tab_to(page, added["waybillId"]) == ["#f-app", "#f-carrier", "#f-status", "Refresh", "Orders", added["waybillId"]]
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_have_attribute("data-ready", "order")
    assert _focused(page) == "#page-title"
    expect(page.locator("#page-title")).to_have_text("Order keys-1")
    _tab_to(page, "Advance one step")
    page.keyboard.press("Enter")
    expect(page.locator("#order-path li")).to_have_count(1)
    unnamed = page.evaluate("""[...document.querySelectorAll('input, select, button, a[href], [tabindex="0"]')]
        .filter(e => !(e.labels && e.labels.length) && !(e.getAttribute('aria-label') || e.textContent || '').trim()).length""")
    assert unnamed == 0  # every control has a label or a name


@pytest.mark.parametrize("route", ["overview", "orders", "order", "events", "calls", "actions"])
def test_narrow_window_has_no_sideways_scrolling(emu: Emulator, sdk: Any, page: Any, route: str) -> None:
    added = sdk.addOrder(order_body("narrow-1"))
    Raw(emu.base_url).post("/_emulator/orders/advance", {"waybill_id": added["waybillId"], "to": "delivered"})
    page.set_viewport_size(NARROW)
    open_page(page, emu, f"order/{added['waybillId']}" if route == "order" else route)
    expect(page.get_by_role("navigation", name="Console pages")).to_be_visible()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{route}: the page is {widths[0]}px wide in a {widths[1]}px window"
    for link in ("Overview", "Orders", "Events", "Calls", "Actions"):
        box = page.get_by_role("link", name=link, exact=True).bounding_box()
        assert box is not None and box["x"] + box["width"] <= NARROW["width"]
    shot(page, f"narrow-{route}")
