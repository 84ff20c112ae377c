"""chalicelib/site/rss.py writes, byte for byte, the RSS feedgen wrote for the same feed."""

from __future__ import annotations

import datetime as dt

import lxml.etree
from feedgen.feed import FeedGenerator
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.site import rss

# Text XML 1.0 can carry (lxml refuses the rest), with what needs escaping well represented.
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufffe\uffff")
                .filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20) | st.sampled_from("&<>\"'\r\n"), max_size=30)
_zones = st.just(dt.timezone.utc) | st.integers(-12 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
_moments = st.builds(lambda d, zone: d.replace(microsecond=0, tzinfo=zone),
                     st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)), _zones)
_items = st.builds(rss.Item, title=_text, link=_text.map(lambda t: "https://x.example/" + t),
                   description=_text, published=_moments,
                   author=st.none() | _text.filter(bool).map(lambda n: f"newsroom@invalid ({n})"),
                   categories=st.lists(_text.filter(bool), max_size=3))
_channels = st.builds(rss.Channel, title=_text.filter(bool), link=_text.filter(bool).map(lambda t: "https://x/" + t),
                      description=_text.filter(bool), self_link=_text.map(lambda t: "https://x/feed/" + t),
                      built=_moments, language=st.none() | st.sampled_from(["en-US", "fa-IR"]))


def _feedgen(channel: rss.Channel, items: list[rss.Item]) -> str:
    """The same feed through feedgen, as chalicelib/site/feeds.py made it before."""
    feed = FeedGenerator()
    feed.title(channel.title)
    feed.description(channel.description)
    feed.generator(rss.GENERATOR)
    if channel.language:
        feed.language(channel.language)
    feed.link(href=channel.self_link, rel="self")
    feed.link(href=channel.link, rel="alternate")  # RSS's <link> is feedgen's last
    feed.lastBuildDate(channel.built)
    for item in reversed(items):  # feedgen puts the last added first
        entry = feed.add_entry()
        entry.guid(item.link, permalink=True)
        if item.title:
            entry.title(item.title)
        entry.link(href=item.link)
        entry.published(item.published)
        if item.description:
            entry.description(item.description)
        if item.author:
            email, name = item.author.split(" (", 1)
            entry.author({"name": name[:-1], "email": email})
        for name in item.categories:
            entry.category(term="t", label=name)
    xml: bytes = feed.rss_str(pretty=False)
    return xml.decode()


@settings(max_examples=200, deadline=None)
@given(channel=_channels, items=st.lists(_items, max_size=4))
def test_the_same_document_feedgen_wrote(channel, items):
    if not all(item.title or item.description for item in items):  # feedgen refuses such an item
        items = [item for item in items if item.title or item.description]
    assert rss.document(channel, items) == _feedgen(channel, items)


def test_characters_xml_cannot_carry_are_dropped_and_the_feed_stays_well_formed():
    channel = rss.Channel("Site\x01", "https://x/", "About\x0b it", "https://x/feed/",
                          dt.datetime(2024, 1, 2, tzinfo=dt.timezone.utc))
    document = rss.document(channel, [rss.Item("A\x00B", "https://x/a/", "d\x1f", channel.built)])
    root = lxml.etree.fromstring(document.encode())
    assert root.findtext("channel/title") == "Site" and root.findtext("channel/item/title") == "AB"
    assert root.findtext("channel/lastBuildDate") == "Tue, 02 Jan 2024 00:00:00 +0000"


def test_one_moment_in_two_zones_is_written_in_each_zone_as_feedgen_writes_it():
    """Dates are formatted once each and remembered: a moment equal to one already written, in another
    zone, is still written in its own zone."""
    utc = dt.datetime(2024, 1, 2, 12, tzinfo=dt.timezone.utc)
    paris = utc.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert utc == paris
    channel = rss.Channel("Site", "https://x/", "About", "https://x/feed/", utc)
    items = [rss.Item("A", "https://x/a/", "d", utc), rss.Item("B", "https://x/b/", "d", paris)]
    document = rss.document(channel, items)
    assert "<pubDate>Tue, 02 Jan 2024 12:00:00 +0000</pubDate>" in document
    assert "<pubDate>Tue, 02 Jan 2024 13:00:00 +0100</pubDate>" in document
    assert document == _feedgen(channel, items)
