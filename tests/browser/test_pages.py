"""End to end in headless Chromium: paste, upload, phone layout, accessibility, no-JS."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resumes"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
RESUME = (
    "Warehouse associate and forklift operator, 2019-2024. Loaded and unloaded trucks, "
    "moved pallets with a forklift and pallet jack, picked orders with an RF scanner."
)


def submit_resume(page, base_url: str, text: str = RESUME, location: str = "60614") -> None:
    page.goto(base_url + "/")
    page.get_by_label("Paste your resume or describe your work").fill(text)
    page.get_by_label("Your ZIP code or city").fill(location)
    page.get_by_role("button", name="Show my matches").click()
    page.wait_for_load_state()


def test_paste_a_resume_and_see_occupations_and_postings(page, live_server):
    violations = []
    page.on("console", lambda m: "Content Security" in m.text and violations.append(m.text))
    submit_resume(page, live_server)
    assert page.get_by_role("heading", name="Jobs that use what you know").is_visible()
    top = page.get_by_role("link", name="Industrial Truck and Tractor Operators").first
    assert top.is_visible()
    assert page.get_by_role("heading", name="Jobs you could move into").is_visible()
    assert page.get_by_role("link", name="Forklift Operator - Night Shift").is_visible()
    # The map is drawn by our own script, allowed by the strict CSP.
    page.wait_for_selector("#map svg circle")
    assert violations == []


@pytest.mark.parametrize(("name", "title"), [
    ("truck_driver.pdf", re.compile("Truck Drivers|Delivery")),
    ("line_cook.docx", re.compile("Cooks|Food")),
])
def test_upload_a_resume(page, live_server, name, title):
    page.goto(live_server + "/")
    page.get_by_label("Or upload your resume").set_input_files(str(FIXTURES / name))
    page.get_by_label("Your ZIP code or city").fill("Chicago, IL")
    page.get_by_role("button", name="Show my matches").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name=title).first.is_visible()


def test_the_form_works_without_javascript(new_page, live_server):
    page = new_page(java_script_enabled=False)
    submit_resume(page, live_server)
    assert page.get_by_role("heading", name="Jobs that use what you know").is_visible()
    assert page.locator("#map svg").count() == 0


@pytest.mark.parametrize("path", ["/", "results", "/occupations/53-7051.00", "/postings",
                                  "/api/v1/docs"])
def test_phone_layout_has_no_horizontal_scroll(new_page, live_server, path):
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                    device_scale_factor=2)
    if path == "results":
        submit_resume(page, live_server)
    else:
        page.goto(live_server + path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{path} is {width} px wide at a 360 px viewport"
    if path == "/":
        box = page.get_by_role("button", name="Show my matches").bounding_box()
        assert box["height"] >= 44  # a touch target


@pytest.mark.parametrize("path", ["/", "results", "/occupations/53-7051.00?location=60614",
                                  "/postings?location=60614", "/api/v1/docs", "/nowhere"])
def test_no_serious_accessibility_violations(new_page, live_server, path):
    # axe is injected as an inline script, which our CSP rightly forbids: bypass it for the check.
    page = new_page(bypass_csp=True)
    if path == "results":
        submit_resume(page, live_server)
    else:
        page.goto(live_server + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], "\n".join(serious)
