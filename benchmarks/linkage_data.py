"""Deterministic synthetic organisation records for the linkage model: training data and speed runs.

Each organisation is published one or more times, as publishers do: legal forms written differently
(Co., Ltd. / Company Limited / Ltd), upper case, quotes, typos, the Chinese name in brackets or alone,
names cut at 80 characters, transliteration variants, country codes in lower case or UK for GB, missing
addresses and identifiers. Distinct organisations share trade names, cities and industries, so there are
hard non-matches too. Nothing here comes from real data.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

from credence.identity import build_uscc
from credence.subjects.model import Candidate

# pinyin syllable and its character: trade names are two of them (华信 Huaxin)
SYLLABLES = [
    ("hua", "华"),
    ("xin", "信"),
    ("zhong", "中"),
    ("tian", "天"),
    ("guo", "国"),
    ("da", "达"),
    ("kang", "康"),
    ("tai", "泰"),
    ("feng", "丰"),
    ("sheng", "盛"),
    ("long", "龙"),
    ("hai", "海"),
    ("jin", "金"),
    ("yuan", "远"),
    ("heng", "恒"),
    ("rui", "瑞"),
    ("bao", "宝"),
    ("chang", "昌"),
    ("hong", "宏"),
    ("ming", "明"),
    ("xing", "星"),
    ("fu", "富"),
    ("an", "安"),
    ("jia", "佳"),
    ("li", "立"),
    ("wei", "威"),
    ("yu", "宇"),
    ("cheng", "诚"),
    ("ding", "鼎"),
    ("sen", "森"),
    ("lu", "路"),
    ("qiao", "桥"),
    ("shan", "山"),
    ("he", "和"),
    ("tong", "通"),
    ("kai", "凯"),
    ("bo", "博"),
    ("ze", "泽"),
    ("run", "润"),
    ("xiang", "祥"),
    ("yi", "益"),
    ("de", "德"),
]
CN_CITIES = [
    ("Beijing", "北京", "100000"),
    ("Shanghai", "上海", "200000"),
    ("Guangzhou", "广州", "510000"),
    ("Shenzhen", "深圳", "518000"),
    ("Hangzhou", "杭州", "310000"),
    ("Wuhan", "武汉", "430000"),
    ("Chengdu", "成都", "610000"),
    ("Xi'an", "西安", "710000"),
    ("Nanjing", "南京", "210000"),
    ("Tianjin", "天津", "300000"),
    ("Chongqing", "重庆", "400000"),
    ("Ganzhou", "赣州", "341000"),
    ("Urumqi", "乌鲁木齐", "830000"),
    ("Kunming", "昆明", "650000"),
    ("Harbin", "哈尔滨", "150000"),
]
CN_INDUSTRIES = [
    ("Construction", "建设"),
    ("Engineering", "工程"),
    ("Trading", "贸易"),
    ("Technology", "科技"),
    ("Pharmaceutical", "医药"),
    ("Road and Bridge", "路桥"),
    ("Electric Power", "电力"),
    ("Water Conservancy and Hydropower", "水利水电"),
    ("Communications", "通信"),
    ("Machinery", "机械"),
    ("Environmental Protection", "环保"),
    ("Investment", "投资"),
    ("Logistics", "物流"),
]
CN_FORMS = ["Co., Ltd.", "Co. Ltd", "Company Limited", "Co., Ltd", "CO.,LTD.", "Limited Company", "Ltd."]
CN_CHINESE_FORMS = ["有限公司", "有限公司", "有限责任公司", "股份有限公司"]
# the same city, romanised another way
TRANSLITERATIONS = {"Xi'an": "Xian", "Beijing": "Peking", "Urumqi": "Urumchi", "Chongqing": "Chungking"}

WORDS = (
    "alpha atlas beacon cedar delta eagle falcon granite harbor iris jade kestrel lotus meridian nova "
    "orion pioneer quantum raven summit titan union vertex willow zenith acacia baobab condor dune "
    "ember fjord glacier horizon indigo juniper kilimanjaro lagoon monsoon nile oasis prairie quarry "
    "rift savanna tundra umber valley wadi yarrow zephyr amani baraka faraji imani jabali kito nuru "
    "tumaini zawadi sahel atlasica medina casbah oued tell djerba kairouan sousse gafsa bizerte "
    "andes pampa sierra llanos selva altiplano cordillera caribe maya inca azteca tolteca olmeca "
    "danube balkan adriatic dinara sava drina morava vardar kosova dardania illyria rugova sharr "
    "ganges indus deccan konkan malabar coromandel himalaya vindhya aravalli narmada kaveri godavari "
    "mekong irrawaddy salween annam tonkin java sumatra borneo celebes molucca sunda lombok"
).split()
SURNAMES = (
    "smith jones garcia martinez rodriguez hernandez lopez gonzalez silva santos oliveira pereira "
    "mueller schmidt schneider fischer weber meyer rossi russo ferrari esposito bianchi romano "
    "kumar sharma singh patel gupta reddy mensah owusu okafor adeyemi nkosi mwangi otieno kamau "
    "benali trabelsi haddad mansour krasniqi berisha gashi hoxha shala nguyen tran pham hoang"
).split()
SECTORS = [
    "Construction",
    "Engineering",
    "Consulting",
    "Trading",
    "Contractors",
    "Services",
    "Builders",
    "Consultants",
    "Technologies",
    "Supplies",
    "Logistics",
    "Infrastructure",
    "Development",
    "Energy",
]
COUNTRY_FORMS = {
    "GB": ["Ltd", "Limited", "LTD."],
    "DE": ["GmbH", "G.m.b.H."],
    "FR": ["SARL", "S.A.", "SAS"],
    "IT": ["S.R.L.", "SRL", "S.p.A."],
    "US": ["LLC", "Inc.", "L.L.C."],
    "IN": ["Private Limited", "(Pvt.) Ltd", "Pvt. Ltd."],
    "BR": ["Ltda.", "LTDA", "S.A."],
    "ES": ["S.L.", "S.A."],
    "KE": ["Limited", "Ltd"],
    "TN": ["SURL", "SARL"],
    "XK": ["L.L.C.", "SH.P.K."],
    "NG": ["Limited", "Nigeria Limited"],
    "VN": ["Company Limited", "Co., Ltd."],
    "CO": ["S.A.S.", "Ltda."],
    "PK": ["(Pvt.) Ltd", "Private Limited"],
}
COUNTRY_WEIGHTS = [("CN", 40)] + [(c, 4) for c in COUNTRY_FORMS]
STREETS = [
    "Main",
    "Station",
    "Park",
    "Church",
    "High",
    "Market",
    "River",
    "Lake",
    "Hill",
    "Mill",
    "Oak",
    "Garden",
]
STREET_KINDS = [("Street", "St."), ("Road", "Rd"), ("Avenue", "Ave")]
CITIES = [f"{w.capitalize()}ville" for w in WORDS[:60]]

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass(frozen=True)
class Organisation:
    truth: int
    country: str
    latin_parts: tuple[str, ...]  # the name without its form
    latin_forms: tuple[str, ...]
    chinese: str | None  # without its form
    city: str
    street: str
    postcode: str
    phone: str
    uscc: str | None
    lei: str | None
    registration: str | None


def _organisation(rng: random.Random, truth: int, postcodes: int = 40) -> Organisation:
    country = rng.choices([c for c, _ in COUNTRY_WEIGHTS], [w for _, w in COUNTRY_WEIGHTS])[0]
    uscc = lei = registration = chinese = None
    if country == "CN":
        city, city_han, city_post = rng.choice(CN_CITIES)
        post = f"{city_post[:3]}{rng.randrange(postcodes):03d}"
        syl = rng.sample(SYLLABLES, 2)
        trade = (syl[0][0] + syl[1][0]).capitalize()
        industry, industry_han = rng.choice(CN_INDUSTRIES)
        latin_parts: tuple[str, ...] = (city, trade, industry)
        chinese = city_han + syl[0][1] + syl[1][1] + industry_han
        forms = tuple(CN_FORMS)
        division = (
            f"{rng.choice(['11', '31', '44', '33', '42', '51', '61', '65'])}{rng.randrange(1, 100):02d}00"
        )
        body = "".join(rng.choice(_ALPHABET) for _ in range(8))
        uscc = build_uscc("91", division, body)
        registration = "".join(rng.choice("0123456789") for _ in range(15))
        road = rng.choice(["Zhongshan", "Renmin", "Jiefang", "Heping", "Jianshe"])
        street = f"No. {rng.randrange(1, 400)} {road} Road"
    else:
        city_index = rng.randrange(len(CITIES))
        city = CITIES[city_index]
        post = f"{city_index:02d}{rng.randrange(postcodes):03d}"
        words = [rng.choice(SURNAMES if rng.random() < 0.4 else WORDS).capitalize()]
        if rng.random() < 0.6:
            words.append(rng.choice(WORDS).capitalize())
        if rng.random() < 0.3:
            words.append("and " + rng.choice(SURNAMES).capitalize())
        latin_parts = (*words, rng.choice(SECTORS))
        forms = tuple(COUNTRY_FORMS[country])
        kind = rng.choice(STREET_KINDS)
        street = f"{rng.randrange(1, 2000)} {rng.choice(STREETS)} {kind[0]}"
        if rng.random() < 0.25:
            lei = "".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(18)) + "00"
    phone = f"+{rng.randrange(1, 99)} {rng.randrange(100, 999)} {rng.randrange(1000000, 9999999)}"
    return Organisation(
        truth, country, latin_parts, forms, chinese, city, street, post, phone, uscc, lei, registration
    )


BRANCHES = ["North", "South", "East", "West", "Central", "Harbour", "Airport", "Station", "Riverside", "Hill"]
CN_BRANCHES = [("No. 1", "第一"), ("No. 2", "第二"), ("No. 3", "第三"), ("No. 5", "第五"), ("No. 8", "第八")]


def _branch(rng: random.Random, org: Organisation, truth: int, postcodes: int = 40) -> Organisation:
    """Another organisation of the same group: a branch or site, with a name of its own after the group's."""
    other = _organisation(rng, truth, postcodes)
    if org.chinese is not None:
        number, han = rng.choice(CN_BRANCHES)
        parts = (*org.latin_parts, f"{number} Branch")
        chinese: str | None = org.chinese + "有限公司" + han + "分"  # ...有限公司第一分公司
    else:
        parts = (*org.latin_parts, "-", rng.choice(BRANCHES + WORDS).capitalize())
        chinese = None
    return replace(
        other,
        country=org.country,
        latin_parts=parts,
        latin_forms=org.latin_forms,
        chinese=chinese,
        city=org.city,
        street=org.street if rng.random() < 0.2 else other.street,
        postcode=org.postcode if rng.random() < 0.7 else other.postcode,
        phone=org.phone if rng.random() < 0.5 else other.phone,
    )


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.3:
        return text[:i] + text[i + 1 :]
    if kind < 0.6:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind < 0.8:
        return text[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


def _publish(rng: random.Random, org: Organisation, record_id: int) -> Candidate:
    parts = list(org.latin_parts)
    if org.country == "CN" and parts[0] in TRANSLITERATIONS and rng.random() < 0.15:
        parts[0] = TRANSLITERATIONS[parts[0]]
    if org.country == "CN" and rng.random() < 0.15:  # the city dropped from the name
        parts = parts[1:]
    if rng.random() < 0.1 and len(parts) > 1:
        parts[0] = f'"{parts[0]}"'
    if rng.random() < 0.04 and len(parts) > 2:  # words in another order
        parts[0], parts[1] = parts[1], parts[0]
    latin = " ".join(parts) + " " + rng.choice(org.latin_forms)
    if rng.random() < 0.2:
        latin = _typo(rng, latin)
    if rng.random() < 0.2:
        latin = latin.upper()
    if org.country == "CN" and rng.random() < 0.1:  # a long English name cut at 80 characters
        latin = (latin.replace(" Co", " International Group Holding Co") + " and Subsidiaries Holdings")[:80]
    names: list[str] = []
    if org.chinese is not None:
        chinese = org.chinese
        if rng.random() < 0.1:  # the city left out
            chinese = chinese[2:]
        elif rng.random() < 0.04:  # a character mistyped
            i = rng.randrange(len(chinese))
            chinese = chinese[:i] + rng.choice(SYLLABLES)[1] + chinese[i + 1 :]
        if chinese.endswith("分"):  # a branch: 分公司
            han = chinese + "公司"
        else:
            han = chinese + rng.choice(["有限公司", "有限公司", "有限责任公司", "股份有限公司"])
        roll = rng.random()
        if roll < 0.25:
            names.append(f"{latin} ({han})")
        elif roll < 0.4:
            names.append(han)
        elif roll < 0.6:
            names.extend([latin, han])
        else:
            names.append(latin)
    else:
        names.append(latin)
    if rng.random() < 0.05:  # also known as
        names.append(
            rng.choice(WORDS).capitalize() + " " + rng.choice(SECTORS) + " " + rng.choice(org.latin_forms)
        )
    country: str | None = org.country
    roll = rng.random()
    if roll < 0.1:
        country = org.country.lower()
    elif roll < 0.15 and org.country == "GB":
        country = "UK"
    elif roll < 0.18:
        country = None
    elif roll < 0.2:  # registered or listed elsewhere
        country = rng.choice(COUNTRY_WEIGHTS)[0]
    city = None
    if rng.random() < 0.7:
        street = org.street
        if rng.random() < 0.5:
            for full, short in (("Street", "St."), ("Road", "Rd"), ("Avenue", "Ave"), ("No. ", "")):
                street = street.replace(full, short)
        if rng.random() < 0.02:  # moved
            street = f"{rng.randrange(1, 2000)} {rng.choice(STREETS)} Street"
        city = f"{street}, {org.city}" if rng.random() < 0.8 else street
        if rng.random() < 0.1:
            city = _typo(rng, city)
    uscc = org.uscc if rng.random() < 0.3 else None
    if uscc and rng.random() < 0.01:  # one code under two names: a publisher's mistake
        uscc = build_uscc("91", uscc[2:8], "".join(rng.choice(_ALPHABET) for _ in range(8)))
    phone = org.phone if rng.random() < 0.3 else None
    if phone and rng.random() < 0.1:  # another line
        phone = phone[:-4] + f"{rng.randrange(10000):04d}"
    code = org.postcode if rng.random() < 0.5 else None
    if code and rng.random() < 0.08:  # moved
        code = f"{rng.randrange(10000, 99999)}"
    lei = org.lei if rng.random() < 0.4 else None
    if lei and rng.random() < 0.01:
        lei = lei[:10] + "".join(rng.choice("0123456789") for _ in range(8)) + "00"
    registration = org.registration if org.registration and rng.random() < 0.1 else None
    if registration and rng.random() < 0.02:
        registration = registration[:8] + "".join(rng.choice("0123456789") for _ in range(7))
    return Candidate(
        id=record_id,
        names=tuple(names),
        country=country,
        city=city,
        uscc=uscc,
        lei=lei,
        org_code=org.uscc[8:17] if org.uscc and not uscc and rng.random() < 0.1 else None,
        registration=registration,
        postcode=code,
        phone=phone,
    )


def records(
    n: int, seed: int = 14, duplicate_rate: float = 0.4, postcodes: int = 40
) -> Iterator[tuple[Candidate, int]]:
    """`n` published records with the id of the organisation each is about; ids run from 1. A city has
    `postcodes` postcodes: 40 makes neighbours share them as in a dense city (training), 1,000 keeps a
    million records' postcodes as sparse as a country's."""
    rng = random.Random(seed)
    made = 0
    truth = 0
    org: Organisation | None = None
    while made < n:
        truth += 1
        if org is not None and rng.random() < 0.15:
            org = _branch(rng, org, truth, postcodes)
        else:
            org = _organisation(rng, truth, postcodes)
        copies = 1
        while rng.random() < duplicate_rate and copies < 6:
            copies += 1
        for _ in range(min(copies, n - made)):
            made += 1
            yield _publish(rng, org, made), truth
