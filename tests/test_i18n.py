"""Chinese and English: every marked string is in both languages' catalogs, and each request gets the
language its reader chose."""

from __future__ import annotations

from collections import Counter
from datetime import date

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from credence import i18n
from credence.i18n import catalogs


def test_every_marked_string_is_in_both_catalogs_and_translated_into_chinese() -> None:
    strings = catalogs.marked()
    assert len({m.key for m in strings}) > 5, "the extraction found the marked strings"
    for lang in i18n.LANGUAGES:
        lacking = catalogs.missing(lang, strings)
        assert not lacking, f"not in the {lang} catalogs (make messages AREA=...): " + "; ".join(
            f"{m.where}: {m.key!r}" for m in lacking[:20]
        )
    untranslated = []
    for path in i18n.catalog_files("zh"):
        with path.open("rb") as f:
            for message in read_po(f):
                text = message.string
                if message.id and (not text or (isinstance(text, tuple | list) and not all(text))):
                    untranslated.append(f"{path.name}: {message.id!r}")
    assert not untranslated, "untranslated into Chinese: " + "; ".join(untranslated[:20])


def test_no_string_is_in_two_catalogs_of_one_language() -> None:
    for lang in i18n.LANGUAGES:
        ids: Counter[str] = Counter()
        for path in i18n.catalog_files(lang):
            with path.open("rb") as f:
                ids.update(m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id)
        twice = [k for k, n in ids.items() if n > 1]
        assert not twice, f"{lang}: in two catalogs: {twice[:10]}"


def test_accept_language_picks_the_first_language_we_speak_by_quality() -> None:
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert i18n.negotiate("en-GB, zh;q=0.5") == "en"
    assert i18n.negotiate("fr, zh-TW;q=0.7, en;q=0.6") == "zh"
    assert i18n.negotiate("en;q=0.2, zh;q=0.9") == "zh"
    assert i18n.negotiate("fr, de") is None and i18n.negotiate("zh;q=0, en") == "en"
    assert i18n.negotiate("") is None and i18n.negotiate("zh;q=x, en") == "en"


def test_the_command_lines_language_comes_from_the_environment() -> None:
    assert i18n.from_environment({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.from_environment({"LANG": "zh_CN.UTF-8", "CREDENCE_LANG": "en"}) == "en"
    assert i18n.from_environment({"LANGUAGE": "fr:zh", "LANG": "en_US.UTF-8"}) == "zh"
    assert i18n.from_environment({"LANG": "C.UTF-8"}) == "en" and i18n.from_environment({}) == "en"


def test_numbers_and_dates_read_in_the_language() -> None:
    with i18n.language("zh"):
        assert i18n.format_number(12000) == "12,000"
        assert i18n.format_date(date(2026, 12, 6)) == "2026年12月6日"
        assert i18n.gettext("Catalog") == "目录"
    with i18n.language("en"):
        assert i18n.format_date(date(2026, 12, 6)) == "6 Dec 2026"
        assert i18n.gettext("Catalog") == "Catalog"
    assert i18n.current() == i18n.DEFAULT


def test_each_request_is_in_the_language_its_reader_chose(client: TestClient) -> None:
    english = client.get("/catalog")
    assert english.headers["content-language"] == "en" and '<html lang="en">' in english.text
    assert ">Catalog</a>" in english.text and "set-cookie" not in english.headers

    asked = client.get("/catalog", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert asked.headers["content-language"] == "zh-CN" and '<html lang="zh-CN">' in asked.text
    assert ">目录</a>" in asked.text and "Accept-Language" in asked.headers["vary"]

    switched = client.get("/catalog", params={"lang": "en"}, headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in switched.text and "lang=en" in switched.headers["set-cookie"]
    remembered = client.get("/catalog", headers={"Accept-Language": "zh-CN"})  # the cookie beats the header
    assert '<html lang="en">' in remembered.text
    client.cookies.clear()

    switch = client.get("/catalog", params={"lang": "zh"}).text
    assert '<a href="/catalog?lang=en" lang="en" hreflang="en">English</a>' in switch
    assert '<span lang="zh" aria-current="true">中文</span>' in switch
    client.cookies.clear()
