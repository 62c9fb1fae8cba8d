"""BeautifulSoup for scraped markup, without bs4's advice to programmers.

bs4 warns when markup starts like XML (`<?xml`: an XHTML page, a CDN's XML error body) or looks
like a URL or a file name (a description that is only a link). Those are its guesses that the
caller passed the wrong thing; here the markup is what the page held and is parsed as it is, on
purpose. Left on, the warnings would print several lines of advice into a researcher's harvest.
"""

from __future__ import annotations

import warnings

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning


def html_soup(markup: str) -> BeautifulSoup:
    """`BeautifulSoup(markup, "lxml")`, with the two advice warnings silenced for this call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "lxml")
