"""The Atom feed of published issues (RFC 4287), written with the standard library's XML tools."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from learnhub.bulletins.links import absolute
from learnhub.bulletins.models import Bulletin
from learnhub.core.text import xml_text

ATOM = "http://www.w3.org/2005/Atom"


def _stamp(value: dt.datetime | None) -> str:
    value = value or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def atom_feed(issues: list[Bulletin], config: Mapping[str, Any]) -> bytes:
    base = config["BASE_URL"]
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")

    def add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        # ElementTree escapes markup but writes any character it is given: one U+000B in a
        # stored issue would make the whole feed ill-formed, so every value is cleaned here.
        cleaned = {name: xml_text(value) for name, value in attrs.items()}
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", cleaned)
        if text is not None:
            element.text = xml_text(text)
        return element

    add(root, "id", absolute(base, "/bulletins"))
    add(root, "title", f"{config['ORGANISATION_NAME']}: learning bulletin")
    add(root, "updated", _stamp(issues[0].published_at if issues else None))
    add(root, "link", rel="self", href=absolute(base, "/bulletins/feed.atom"))
    add(root, "link", rel="alternate", type="text/html", href=absolute(base, "/bulletins"))
    author = add(root, "author")
    add(author, "name", config["ORGANISATION_NAME"])
    for bulletin in issues:
        url = absolute(base, f"/bulletins/{bulletin.number}")
        entry = add(root, "entry")
        add(entry, "id", url)
        add(entry, "title", f"Issue {bulletin.number}: {bulletin.title}")
        add(entry, "updated", _stamp(bulletin.published_at))
        add(entry, "published", _stamp(bulletin.published_at))
        add(entry, "link", rel="alternate", type="text/html", href=url)
        add(entry, "content", bulletin.published_html or "", type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
