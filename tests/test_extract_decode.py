"""Bytes to text (harvester/extract/decode.py): header, then meta, then detection; never raises."""

from __future__ import annotations

from harvester.extract.decode import decode_html, header_charset, meta_charset

PAGE = "<html><head>{meta}</head><body><p>Caffi Tâf – £5 entrée</p></body></html>"


def test_header_charset_wins_over_meta() -> None:
    body = PAGE.format(meta='<meta charset="utf-8">').encode("cp1252")
    assert "Tâf – £5 entrée" in decode_html(body, {"Content-Type": "text/html; charset=windows-1252"})


def test_meta_charset_when_no_header() -> None:
    body = PAGE.format(meta='<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">')
    text = decode_html(body.replace("–", "-").encode("latin-1"))
    assert "Tâf - £5 entrée" in text


def test_wrong_label_falls_back() -> None:
    body = PAGE.format(meta="").encode("utf-8")
    assert "Tâf – £5" in decode_html(body, {"content-type": "text/html; charset=ascii"})
    assert "Tâf – £5" in decode_html(body, {"content-type": "text/html; charset=no-such-codec"})


def test_detection_for_unlabelled_legacy_bytes() -> None:
    text = ("Croeso i Gaerdydd. Mae'r ganolfan ar agor bob dydd. Café, crêpes, entrée à la carte, "
            "£5 per person. " * 20)
    body = f"<html><body><p>{text}</p></body></html>".encode("cp1252")
    decoded = decode_html(body)
    assert "Café" in decoded and "£5" in decoded


def test_bom_and_empty() -> None:
    assert decode_html(b"") == ""
    assert decode_html("\ufeff<p>Tâf</p>".encode("utf-8")).endswith("<p>Tâf</p>")
    assert "Tâf" in decode_html("<p>Tâf</p>".encode("utf-16"))


def test_charset_helpers() -> None:
    assert header_charset({"Content-Type": 'text/html; charset="UTF-8"'}) == "utf-8"
    assert header_charset({"Content-Type": "text/html"}) is None
    assert header_charset(None) is None
    assert meta_charset(b'<meta charset=windows-1252>') == "cp1252"
    assert meta_charset(b"<p>no meta</p>") is None
