"""SVG charts: accessible, no inline styles (CSP), escaped text, sane with no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from rapporter import charts

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own markup


CASES = {
    "municipalities": lambda: charts.participants_by_municipality_chart(
        [
            {"code": "1440", "name": "Ale", "participants": 3},
            {"code": "1481", "name": "Mölndal", "participants": 12},
        ]
    ),
    "months": lambda: charts.hours_per_month_chart(
        [{"month": f"2020-{m:02d}", "participant_hours": m * 1.25, "participants": m} for m in range(1, 13)]
    ),
    "ombud": lambda: charts.reach_per_ombud_chart(
        [{"ombud": "Erik Johansson", "municipality": "1481", "reached": 40, "goal": 36}]
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_chart_is_an_accessible_image_without_style_attributes(name):
    svg = CASES[name]()
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and title.text
    assert desc is not None and desc.text
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "style=" not in svg and "<script" not in svg
    assert all("style" not in el.attrib for el in root.iter())


def test_chart_states_the_numbers_in_its_description():
    root = parse(CASES["municipalities"]())
    assert root.find(f"{NS}desc").text == "Ale: 3 deltagare; Mölndal: 12 deltagare"
    assert len(root.findall(f"{NS}rect")) == 2


def test_reach_chart_marks_the_goal_and_colours_reached_goals():
    root = parse(CASES["ombud"]())
    rect = root.find(f"{NS}rect")
    assert rect.get("fill") == charts.BAR_DONE
    assert any(line.get("stroke") == charts.GOAL for line in root.iter(f"{NS}line"))


def test_names_are_escaped():
    svg = charts.participants_by_municipality_chart([{"name": '<script>"x"&', "participants": 1}])
    parse(svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_empty_data_gives_a_chart_that_says_so():
    svg = charts.reach_per_ombud_chart([])
    root = parse(svg)
    assert root.find(f"{NS}desc").text == "Inga uppgifter för perioden"
    months = charts.hours_per_month_chart([{"month": "2020-01", "participant_hours": 0.0}])
    parse(months)


def test_two_charts_on_one_page_have_distinct_ids():
    a, b = parse(CASES["months"]()), parse(CASES["months"]())
    assert a.find(f"{NS}title").get("id") != b.find(f"{NS}title").get("id")


def test_axis_is_round():
    assert charts._axis(36) == (40, [0, 10, 20, 30, 40])
    assert charts._axis(3)[0] == 3
    assert charts._axis(0) == (1, [0, 1])
