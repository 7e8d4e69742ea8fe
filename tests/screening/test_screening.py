"""The screening rules themselves: the lexicon's grounds and near-misses, people's data, legal citations,
the denied laws and excluded bodies by name (credence.screening)."""

from __future__ import annotations

import pickle

import pytest

from credence.catalog import load_catalog
from credence.identity import OrgKind
from credence.screening import Screen, parse_citations
from credence.screening.bodies import excluded_by_name
from credence.screening.laws import LawRef, default_denied_laws
from credence.screening.lexicon import LexiconError, default_lexicon, parse_lexicon
from credence.screening.personal import find_personal_data

SCREEN = Screen.default()

# The rows of the issue, and more of our own in both languages: (text, ground).
GROUNDS = [
    ("Hosted an unregistered religious gathering on company premises.", "religion"),
    ("Allowed employees to hold a Falun Gong study session.", "religion"),
    ("Published articles criticising the Party on its website.", "party"),
    ("Workers organised an independent union.", "union"),
    ("Rented its hall to a house church for Sunday services.", "religion"),
    ("The company's chapel hosted a prayer meeting.", "religion"),
    ("Employees were found to be Christians.", "religion"),
    ("在公司场所组织宗教活动", "religion"),
    ("允许员工修炼法轮功", "religion"),
    ("为家庭教会提供场地", "religion"),
    ("The firm has no party organisation.", "party"),
    ("Failed to set up a Party branch as required.", "party"),
    ("未按规定设立党组织", "party"),
    ("董事长不是党员", "party"),
    ("The general manager expressed political views online.", "politics"),
    ("员工发表政治观点", "politics"),
    ("An employee's social media posts were critical of the local government.", "speech"),
    ("员工在网上发表不当言论", "speech"),
    ("Staff took part in a protest outside the city hall.", "assembly"),
    ("Workers went on strike over unpaid wages.", "assembly"),
    ("员工参加集体上访", "assembly"),
    ("组织员工到市政府信访", "assembly"),
    ("Workers tried to form a union at the plant.", "union"),
    ("The company engaged in collective bargaining with staff.", "union"),
    ("员工筹建独立工会", "union"),
    ("Most employees belong to an ethnic minority.", "ethnicity"),
    ("招聘时询问应聘者的民族", "ethnicity"),
    ("Two employees are HIV positive.", "health"),
    ("The legal representative's health status is poor.", "health"),
    ("公司有乙肝携带者员工", "health"),
    ("An employee disclosed his sexual orientation.", "sex_life"),
    ("员工是同性恋", "sex_life"),
    ("The director's wife holds shares in a competitor.", "family"),
    ("股东的配偶在政府任职", "family"),
    ("The chairman travelled abroad without approval.", "movements"),
    ("The manager's whereabouts were unknown for a week.", "movements"),
    ("查明法定代表人的出入境记录", "movements"),
]

# Ordinary records that merely come close: they must pass.
NEAR_MISSES = [
    "A third-party testing report was falsified.",
    "The Temple Street branch sold expired milk.",
    "Sold party supplies without Chinese labels.",
    "The party concerned failed to pay the fine in time.",
    "Fire exits of a public assembly venue were blocked at the assembly line of the plant.",
    "Acted in good faith but filed late.",
    "Sold meat from animals that died of disease.",
    "Inspection on 3 March 2026 found the strike-off notice ignored.",
    "Failed to pay the disabled persons' employment security fund.",
    "在宁夏回族自治区银川市设立的分公司未按期年报",
    "公众聚集场所未经消防安全检查擅自投入使用",
    "未按规定缴纳工会经费",
    "Churchill Trading sold counterfeit goods.",
    "The Islamabad office of the contractor colluded in bidding.",
    "Public health and safety: substandard chargers.",
    "Demonstration project funds were misused.",
    "False claims in advertising.",
    "违反公开信用承诺，未按期整改",  # a public credit commitment (公开信用承诺) is no open letter (公开信)
    "未履行向社会公开的信用承诺",
]


@pytest.mark.parametrize(("text", "ground"), GROUNDS)
def test_every_ground_is_found_in_both_languages(text: str, ground: str) -> None:
    refused = SCREEN.text("summary", text)
    assert refused is not None and (refused.reason, refused.ground) == ("prohibited_ground", ground), text
    # The refusal names the field and the ground, never the text.
    label = next(g.label for g in default_lexicon().grounds if g.code == ground)
    assert refused.message == f"summary touches a prohibited ground ({label}); the registry never records it"


def test_every_ground_of_the_lexicon_has_a_test_in_both_languages() -> None:
    tested = {ground for _, ground in GROUNDS}
    assert tested == {g.code for g in default_lexicon().grounds}
    for code in tested:
        texts = [t for t, g in GROUNDS if g == code]
        assert any(t.isascii() for t in texts) and any(not t.isascii() for t in texts), code


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_ordinary_words_pass(text: str) -> None:
    assert SCREEN.text("summary", text) is None, default_lexicon().hits(text)


def test_full_width_and_spacing_are_folded() -> None:
    assert SCREEN.text("summary", "Ｆａｌｕｎ　Ｇｏｎｇ study").ground == "religion"  # type: ignore[union-attr]
    assert SCREEN.text("summary", "no party-organisation was set up").ground == "party"  # type: ignore[union-attr]


PERSONAL = [
    (
        "Legal representative Zhang Wei (ID 110105194912310021, mobile 13800138000) was fined personally.",
        "resident identity number",
    ),
    ("The owner can be reached on 13912345678.", "mobile number"),
    ("Complaints were sent to +86 139 1234 5678.", "mobile number"),
    ("Its accountant's office line is (010) 62345678.", "landline number"),
    ("Contact wang.fang@example.cn about the refund.", "e-mail address"),
    ("The director's passport E12345678 was seized.", "passport number"),
    ("Mr. Li signed the contract.", "a named individual"),
    ("The general manager Wang Fang approved the falsified report.", "a named individual"),
    ("法定代表人张伟未按期履行", "a named individual"),
    ("负责人：王芳", "a named individual"),
    ("当事人身份证号码：110105194912310021", "resident identity number"),
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL)
def test_a_persons_data_is_found_and_named_by_kind(text: str, kind: str) -> None:
    assert find_personal_data(text) == kind
    refused = SCREEN.text("summary", text)
    assert refused is not None and refused.reason == "personal_data" and kind in refused.message
    for secret in ("110105194912310021", "13800138000", "wang.fang", "Zhang Wei", "张伟", "E12345678"):
        assert secret not in refused.message


@pytest.mark.parametrize(
    "text",
    [
        "The legal representative was fined; the service hotline is 400-810-8888.",
        "法定代表人李某未按期履行",  # the usual pseudonym
        "法定代表人于2025年3月变更",
        "Fined 13500000000 yuan for price collusion.",
        "Shareholder Beijing Example Trading Co. Ltd. was not disclosed.",
        "Invoice no. 4403201234 was falsified.",
        "The passport office licence lapsed.",
        "Unified social credit code 91110000600037341L.",
    ],
)
def test_an_organisations_own_numbers_and_roles_pass(text: str) -> None:
    assert find_personal_data(text) is None


def test_citations_read_as_clerks_write_them() -> None:
    one = [("食品安全法", (124,))]
    for text in (
        "《中华人民共和国食品安全法》第一百二十四条",
        "食品安全法第124条",
        "《食品安全法》 第 124 条",
    ):
        assert [(c.law, c.articles) for c in parse_citations(text)] == one
    english = [("foodsafetylaw", (124,))]
    for text in (
        "Food Safety Law, Art. 124",
        "Food Safety Law of the People's Republic of China, Article 124",
        "ＦＯＯＤ　ＳＡＦＥＴＹ　ＬＡＷ，Ａｒｔ．１２４",
        "Article 124 of the Food Safety Law",
        "The PRC Food Safety Law, Art 124, para. 2",
    ):
        assert [(c.law, c.articles) for c in parse_citations(text)] == english, text


def test_a_category_accepts_only_its_closed_list() -> None:
    penalty = load_catalog().categories["administrative_penalty"]
    assert penalty.accepts_basis("Food Safety Law, Art. 124")
    assert penalty.accepts_basis("《中华人民共和国食品安全法》第一百二十四条")
    assert penalty.accepts_basis("Food Safety Law, Art. 124; Advertising Law, Art. 55")
    assert not penalty.accepts_basis("Food Safety Law, Art. 12")  # outside Arts. 122-150
    assert not penalty.accepts_basis("Cybersecurity Law, Art. 12")
    assert not penalty.accepts_basis("Food Safety Law")  # no article
    assert not penalty.accepts_basis("Food Safety Law, Art. 124; Cybersecurity Law, Art. 64")


@pytest.mark.parametrize(
    ("text", "ground"),
    [
        ("Regulations on Religious Affairs, Art. 71", "religion"),
        ("《宗教事务条例》第七十一条", "religion"),
        ("Trade Union Law, Art. 3", "union"),
        ("《中华人民共和国工会法》第三条", "union"),
        ("Criminal Law, Art. 300", "religion"),
        ("《中华人民共和国刑法》第三百条", "religion"),
        ("Regulations on Letters and Visits, Art. 18", "assembly"),
        ("Law on Assemblies, Processions and Demonstrations, Art. 29", "assembly"),
        ("刑法第二百九十三条", "speech"),
        ("Criminal Law, Art. 105", "politics"),
    ],
)
def test_a_denied_law_is_refused_as_its_ground(text: str, ground: str) -> None:
    refused = SCREEN.legal_basis(text)
    assert refused is not None and (refused.reason, refused.ground) == ("prohibited_ground", ground)


def test_permitted_articles_of_a_partly_denied_law_pass() -> None:
    assert SCREEN.legal_basis("Trade Union Law, Art. 43") is None  # the employer's levy
    assert SCREEN.legal_basis("Criminal Law, Art. 140") is None  # producing fake products


def test_every_denied_law_has_a_reason_and_a_ground_of_the_lexicon() -> None:
    grounds = {g.code for g in default_lexicon().grounds}
    denied = default_denied_laws()
    assert len(denied.laws) >= 10
    for law in denied.laws:
        assert law.ground in grounds and law.why and law.law_zh
        assert denied.cited_in(f"{law.law}, Art. {(law.ranges or ((1, 1),))[0][0]}") is not None
        assert denied.overlapping(LawRef(law=law.law, law_zh=law.law_zh, articles="all")) is not None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Holy Trinity Catholic Church Foundation", OrgKind.RELIGIOUS_BODY),
        ("Shenzhen Federation of Trade Unions", OrgKind.TRADE_UNION),
        ("Grace Bible School", OrgKind.RELIGIOUS_BODY),
        ("深圳市总工会", OrgKind.TRADE_UNION),
        ("杭州灵隐寺", OrgKind.RELIGIOUS_BODY),
        ("上海市基督教协会", OrgKind.RELIGIOUS_BODY),
        ("Temple Street Trading Co., Ltd.", None),
        ("Church Road Builders Limited", None),
        ("Union Construction S.A.", None),
        ("杭州寺前贸易有限公司", None),
        ("Acme Builders Ltd", None),
    ],
)
def test_excluded_bodies_are_known_by_name_unless_a_company_form_settles_it(name: str, kind: object) -> None:
    assert excluded_by_name(name) == kind


def test_the_lexicon_checks_its_own_terms() -> None:
    with pytest.raises(LexiconError, match="too short"):
        parse_lexicon(
            'version: "x"\ngrounds:\n  - {code: religion, label: r, label_zh: 宗, en: [a], zh: [宗教]}\n'
        )
    with pytest.raises(LexiconError, match="cannot end in"):
        parse_lexicon(
            'version: "x"\ngrounds:\n'
            "  - {code: religion, label: r, label_zh: 宗, en: [church], zh: [宗教*]}\n"
        )


def test_a_screen_travels_to_the_checking_process() -> None:
    again = pickle.loads(pickle.dumps(SCREEN))
    assert again.text("summary", "a Falun Gong session").ground == "religion"  # type: ignore[union-attr]
    assert again.lexicon.sha256 == SCREEN.lexicon.sha256


@pytest.mark.parametrize(
    "name",
    ["天津市第一中学", "北京市海淀区实验小学", "北京大学", "上海市虹口区某某幼儿园", "某某职业技术学校",
     "中国某某银行", "某某国营农场", "某某市博物馆", "某某市图书馆"],
)  # fmt: skip
def test_a_chinese_institution_without_a_code_is_no_person(name: str) -> None:
    """Schools, banks, farms and museums without a legal form in their names were refused as people (found
    by the bulk screening benchmark: 60 of 10,000 bidders)."""
    from credence.screening.persons import person_name

    assert person_name(name) is None


@pytest.mark.parametrize("name", ["张伟", "李学军", "王大学", "陈银"])
def test_a_persons_name_with_such_a_character_is_still_a_person(name: str) -> None:
    from credence.screening.persons import person_name

    assert person_name(name) is not None
