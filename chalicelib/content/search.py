"""Full-text search without a Scan: a term index written at ingest.

Ingest turns an article's title, summary and body into at most ``MAX_TERMS``
stemmed terms with a score (title words weigh 8, summary 3, body 1 per
occurrence, capped), and writes one ``SearchTerm`` item per term:
``pk = term#<stem>``, ``sk = <inverted score>#<date>#<slug>``. A term's
partition is thereby sorted best first, newest first among equals.

A query is split the same way (at most ``MAX_QUERY_TERMS`` terms, each at
most 40 characters); each term is one Query of its best ``PER_TERM`` hits;
articles are ranked by how many query terms they match, then by summed
score, then by date. Bounded work whatever the size of the site: at most
five Queries per search.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections import Counter

MAX_TERMS = 100
MAX_QUERY_TERMS = 5
MAX_QUERY_CHARS = 200
PER_TERM = 100
MAX_SCORE = 9999
WEIGHTS = {"title": 8, "summary": 3, "body": 1}
STOPWORDS = frozenset("""a an and are as at be but by for from has have he her his i in is it its of on or
our she that the their them there they this to was were which who will with you your not no into than
then so if about after before over said says say also more most can could would should been being do
does did had just only other some such these those up down out what when where why how all any""".split())
_WORD = re.compile(r"\w+", re.UNICODE)
_TAG = re.compile(r"<[^>]+>")


@functools.lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer: the Snowball stemmers in C; imports one algorithm, not 30 like snowballstemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lowercased, accent-folded, stemmed words of ``text``, stopwords left out."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    tokens = []
    for token in _WORD.findall(folded):
        if token.isdigit():
            if 2 <= len(token) <= 6:  # years, figures; not long ID-like numbers
                tokens.append(token)
        elif 1 < len(token) <= 40 and token not in STOPWORDS:
            tokens.append(token)
    stems: list[str] = _stemmer().stemWords(tokens)
    return stems


def index_terms(title: str, summary: str, body_html: str) -> dict[str, int]:
    """The terms to index for one article, with their scores (best ``MAX_TERMS``)."""
    scores: Counter[str] = Counter()
    body_text = html.unescape(_TAG.sub(" ", body_html))
    for field, text in (("title", title), ("summary", summary), ("body", body_text[:50_000])):
        for term in words(text):
            scores[term] += WEIGHTS[field]
    return {term: min(score, MAX_SCORE) for term, score in scores.most_common(MAX_TERMS)}


def query_terms(query: str) -> list[str]:
    """The terms of a reader's query, as indexed; empty for an empty or hopeless query."""
    seen = []
    for term in words(query[:MAX_QUERY_CHARS]):
        if term not in seen:
            seen.append(term)
    return seen[:MAX_QUERY_TERMS]


def sort_key(score: int, date: str, slug: str) -> str:
    """Sort key that orders a term's partition best score first, then newest."""
    inverted_date = "".join(chr(ord("9") - int(c) + ord("0")) if c.isdigit() else c for c in date)
    return f"{MAX_SCORE - score:04d}#{inverted_date}#{slug}"
