"""Text handling shared by the lexical and the semantic side of ranking.

Users of the platform write Korean, English and both mixed in one sentence ("PDF 파일 요약해줘"), and agent
names are identifiers ("MixerBox_Translate_AI_language_tutor", "WeatherTool"). BM25 needs tokens that match
across those forms, so :func:`lexical_tokens`

* normalises with NFKC and case-folds (full-width Latin, compatibility jamo, ligatures);
* splits identifiers at ``_``, ``-`` and camelCase boundaries, so a name matches the words in a request;
* keeps Latin-script words and numbers as word tokens, drops English stop words and strips the most
  common inflections (a deliberately light stemmer: a heavy one conflates too much on short texts);
* turns every run of Hangul — and of any other script written without reliable word boundaries (Han,
  Kana, Thai, …) — into overlapping character bigrams. Korean attaches particles and endings to words
  ("번역해줘", "번역을"), so whole-word tokens would rarely match; bigrams ("번역", "역해") do, without a
  morphological analyser that would cost megabytes and milliseconds in a Lambda. Before that, Korean
  function words ("좀", "해 주세요") are dropped and a trailing particle or verb ending is stripped
  ("계약서를" → "계약서"), and a short glossary adds the English words of common work vocabulary
  ("번역" → translate), so Korean requests meet English descriptions and the other way round.

Emoji and punctuation produce no token, so a request made only of them has no lexical signal (the ranker
then falls back to history and popularity).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "KOREAN_STOP_WORDS",
    "humanise_identifier",
    "latin_letter_share",
    "lexical_tokens",
    "normalise",
]

# Hangul syllables, jamo and compatibility jamo; kept apart from other scripts only for readability.
_HANGUL = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\ud7b0-\ud7ff"
_LATIN = "0-9a-z\u00c0-\u024f"
# Combining marks are not "word" characters to ``re`` (Thai vowel signs, Indic matras, Arabic and
# Hebrew points), yet they belong inside the word; these blocks keep such runs whole. Listed by hand
# because computing the Unicode mark set at import would cost cold-start time.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u20d0-\u20ff\ufe20-\ufe2f"
)
_TOKEN_RE = re.compile(
    rf"(?P<latin>[{_LATIN}]+)"
    rf"|(?P<hangul>[{_HANGUL}]+)"
    # any other letter or digit run (Han, Kana, Thai, Cyrillic, …), never crossing into the two above
    rf"|(?P<other>(?:(?![{_LATIN}{_HANGUL}])[^\W_]|[{_MARKS}])+)"
)
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATOR_RE = re.compile(r"[_\-/.]+")

# Scripts whose words are separated by spaces; everything else is bigrammed.
_SPACED_SCRIPTS = ("CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN", "ARABIC", "HEBREW", "DEVANAGARI")

# A compact English stop-word list: words that occur in most requests ("can you help me find …") and
# carry no information about which agent fits.
STOP_WORDS: frozenset[str] = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "get",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "please",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "us",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "want",
        "need",
        "like",
        "give",
        "tell",
        "show",
        "use",
        "using",
        "help",
        "find",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "one",
        "any",
        "anything",
        "something",
        "thing",
        "things",
        "know",
        "way",
        "make",
    ]
)


def normalise(text: str) -> str:
    """NFKC-normalise and case-fold; the one canonical form every comparison works on."""
    return unicodedata.normalize("NFKC", text).casefold()


def humanise_identifier(text: str) -> str:
    """Turn ``MixerBox_Translate_AI`` or ``WeatherTool`` into words a reader or a model understands."""
    text = _SEPARATOR_RE.sub(" ", text)
    return _CAMEL_RE.sub(" ", text)


def _stem(word: str) -> str:
    """Strip the commonest English inflections; conservative so that short words survive intact."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4 and not word.endswith("eed"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _is_spaced_script(char: str) -> bool:
    name = unicodedata.name(char, "")
    return name.startswith(_SPACED_SCRIPTS)


# Korean requests wrap the few content words in particles, verb endings and politeness ("요약해 주세요",
# "계약서를 검토해줘"). A whole word made only of such material carries no information, like an English
# stop word; at the end of a longer word it is stripped before bigramming, so "계약서를" gives "계약",
# "약서" and not also "서를", a bigram every word with 를 shares.
_KOREAN_STOP_SOURCE = (
    "좀 해 줘 해줘 해요 주세요 해주세요 해줄래 줄래 해봐 봐 줘요 부탁해 부탁해요 알려줘 알려주세요 "
    "수 있는 있나요 있어 있을까 있을까요 싶어 싶어요 싶은데 하는 하고 하기 할 한 하려고 "
    "이 그 저 것 거 제 내 나 저희 우리 어떻게 무엇 뭐 뭘 어디 언제 좋을까 좋을까요 "
    "필요해 필요해요 필요한 돼 되나요 해야 해야해 같은 위한 위해 대한 대해 관련 관련된"
)
KOREAN_STOP_WORDS: frozenset[str] = frozenset(_KOREAN_STOP_SOURCE.split())
# Particles and endings stripped from the end of a Hangul word, longest first. Only when at least two
# syllables remain: "평가" (evaluation) or "결과" (result) end in what looks like a particle, and a
# one-syllable stem would lose the word.
_KOREAN_SUFFIX_SOURCE = (
    "해주세요 해줄래 해줘요 해주고 해드려 하는데 해줘 해서 해요 하기 하는 하고 하게 하려면 하면 했어 "
    "할 한 해 주세요 "
    "에서는 에서도 에게서 으로는 으로도 이라는 에서 에게 한테 으로 까지 부터 처럼 보다 이랑 이나 "
    "라는 이란 하고 와 과 을 를 은 는 이 가 에 의 로 도 만 랑 나 란"
)
_KOREAN_SUFFIXES: tuple[str, ...] = tuple(sorted(set(_KOREAN_SUFFIX_SOURCE.split()), key=len, reverse=True))


# A small Korean → English glossary of everyday work vocabulary (written for this, not taken from any
# benchmark's requests): a Korean word containing a key also yields the English words, so a Korean
# request meets an English description ("번역해줘" → translate) and an English request a Korean one.
# Keys are 2–4 syllables; a word is looked up by its substrings, so compounds ("문서번역기") match too.
_GLOSSARY_SOURCE = """
번역 translate translation|통역 interpret translate|요약 summary summarize|정리 organize summary|
날씨 weather forecast|기온 temperature weather|환율 exchange rate currency|환전 currency exchange|
주식 stock market|주가 stock price|투자 investment invest|뉴스 news|기사 article news|
검색 search find|추천 recommend recommendation|예약 booking reservation book|여행 travel trip|
항공 flight airline|호텔 hotel|숙소 accommodation hotel|지도 map|길찾기 directions route|
식당 restaurant|맛집 restaurant food|요리 cooking recipe|레시피 recipe|음식 food|
일정 schedule calendar|회의 meeting|회의록 meeting minutes notes|메일 email mail|이메일 email|
문서 document|파일 file|보고서 report|발표 presentation|슬라이드 slides presentation|
계약 contract|계약서 contract agreement|법률 legal law|법무 legal|규정 policy regulation|정책 policy|
개인정보 privacy personal data|보안 security|취약점 vulnerability security|비밀번호 password|
인사 hr human resources|채용 hiring recruiting job|면접 interview|이력서 resume cv|지원서 application|
급여 payroll salary|월급 salary payroll|휴가 vacation leave|연차 annual leave vacation|
평가 evaluation review|교육 training education|온보딩 onboarding|
재무 finance financial|회계 accounting|예산 budget|비용 expense cost|경비 expense|영수증 receipt|
송장 invoice|청구서 invoice bill|세금 tax|매출 sales revenue|판매 sales|영업 sales|고객 customer|
문의 inquiry question support|지원 support|상담 consultation support|티켓 ticket|불만 complaint|
데이터 data|분석 analysis analyze|통계 statistics|차트 chart|그래프 graph chart|시각화 visualization|
대시보드 dashboard|쿼리 query|데이터베이스 database|엑셀 excel spreadsheet|스프레드시트 spreadsheet|
코드 code|코딩 coding code|프로그래밍 programming code|리뷰 review|버그 bug|오류 error bug|에러 error|
테스트 test|배포 deploy deployment|서버 server|로그 log|모니터링 monitoring|장애 incident outage|
클라우드 cloud|인프라 infrastructure|네트워크 network|깃 git|저장소 repository|
디자인 design|이미지 image|사진 photo image|그림 drawing image|동영상 video|영상 video|음악 music|
마케팅 marketing|광고 advertising ad|캠페인 campaign|소셜 social|블로그 blog|글쓰기 writing|작성 write|
편지 letter|자기소개서 cover letter|문법 grammar|맞춤법 spelling grammar|영어 english|한국어 korean|
일본어 japanese|중국어 chinese|학습 learning study|공부 study|퀴즈 quiz|수학 math|계산 calculate|
단위 unit conversion|변환 convert conversion|건강 health|운동 exercise fitness|병원 hospital|
쇼핑 shopping|상품 product|가격 price|제품 product|주문 order|배송 delivery shipping|결제 payment|
구매 purchase buy|구독 subscription|알림 notification alert|번호 number|전화 phone call|
웹사이트 website|사이트 site website|검토 review|승인 approval approve|
"""
_GLOSSARY: dict[str, tuple[str, ...]] = {}


def _glossary() -> dict[str, tuple[str, ...]]:
    """The glossary as Korean key → English tokens (built on first use: nothing at import)."""
    if not _GLOSSARY:
        for entry in filter(str.strip, _GLOSSARY_SOURCE.split("|")):
            key, *english = entry.split()
            _GLOSSARY[key] = tuple(_stem(word) for word in english if word not in STOP_WORDS)
    return _GLOSSARY


def _english_glosses(word: str) -> list[str]:
    """English tokens for the glossary keys found inside a Hangul ``word`` (longest key wins)."""
    glossary = _glossary()
    found: list[str] = []
    at = 0
    while at < len(word) - 1:
        for size in (4, 3, 2):
            gloss = glossary.get(word[at : at + size])
            if gloss is not None:
                found.extend(gloss)
                at += size
                break
        else:
            at += 1
    return found


def _korean_stem(word: str) -> str:
    """``word`` without its trailing particle or verb ending (see :data:`_KOREAN_SUFFIXES`)."""
    for suffix in _KOREAN_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)]
    return word


def _bigrams(run: str) -> Iterable[str]:
    if len(run) == 1:
        yield run
        return
    for i in range(len(run) - 1):
        yield run[i : i + 2]


def lexical_tokens(text: str) -> list[str]:
    """Tokens for BM25 (see the module docstring); the same function indexes agents and reads queries."""
    folded = normalise(humanise_identifier(text))
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(folded):
        kind = match.lastgroup
        run = match.group()
        if kind == "latin":
            if run not in STOP_WORDS:
                tokens.append(_stem(run))
        elif kind == "hangul":
            if run not in KOREAN_STOP_WORDS:
                stem = _korean_stem(run)
                tokens.extend(_bigrams(stem))
                tokens.extend(_english_glosses(stem))
        elif _is_spaced_script(run[0]):
            tokens.append(run)
        else:
            tokens.extend(_bigrams(run))
    return tokens


def latin_letter_share(text: str) -> float:
    """Share of the letters in ``text`` that are Latin script (0.0 when there are no letters at all).

    Used to judge how much an English-only embedding model can be trusted with a request: for a
    Korean sentence it sees only jamo fragments, and its similarity scores are then noise.
    """
    latin = letters = 0
    for char in unicodedata.normalize("NFKC", text):
        if not char.isalpha():
            continue
        letters += 1
        if char.isascii() or "\u00c0" <= char <= "\u024f":
            latin += 1
    return latin / letters if letters else 0.0
