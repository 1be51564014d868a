"""End to end: phrase topics, source filters, photo pushes and feeds from the chat.

The real `newsbot run` process against the fake Bot API (tests/botapi.py) and local news
sites; articles also arrive as `newsbot index` adds them, from this process.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from bot_delivery_kit import FeedSite, news
from botapi import ThreadedBotApiServer
from e2e_kit import FAST, eventually, launch, pushes, ready, say, stop, wait_pushes

from index.models import Article

pytestmark = pytest.mark.slow

OPERATOR, READER, OTHER = 6001, 6002, 6003


def bold_parts(message: dict) -> list[str]:
    """The bold pieces of a message (entity offsets count UTF-16 units)."""
    units = message["text"].encode("utf-16-le")
    return [
        units[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in message["entities"]
        if e["type"] == "bold"
    ]


def sourced(slug: str, title: str, body: str, source: str, day: int = 5) -> Article:
    return Article(slug, title, body, url=f"https://{source}/{slug}", source=source)


ARCHIVE = [
    news("vang-cu", "Giá vàng đi ngang tuần trước", "Giá vàng SJC đi ngang cả tuần.", 1),
    # holds "giá" and "vàng", never "giá vàng": the article that used to be pushed
    news(
        "mu-vang",
        "Biến chứng kinh hoàng vì làm đẹp",
        "Bác sĩ đánh giá vết tiêm nặng. Vùng da có mủ vàng, sưng đỏ.",
        9,
    ),
    sourced("xang-vne", "Xăng dầu giữ giá", "Giá xăng dầu giữ nguyên.", "vnexpress.net"),
    sourced("xang-dt", "Xăng dầu có thể tăng", "Giá xăng dầu có thể tăng.", "dantri.com.vn"),
]


@pytest.fixture(scope="module")
def site(backend_env):
    """A news site per backend: each bot starts from the same feed."""
    with FeedSite() as s:
        yield s


@pytest.fixture(scope="module")
def other_site(backend_env):
    with FeedSite() as s:
        s.publish("khai-truong", "Khai trương chợ đêm", ["Chợ đêm mới khai trương."], 1)
        yield s


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, site, backend_env) -> Path:
    path = backend_env.add(tmp_path_factory.mktemp("pushes-data"), ARCHIVE)
    with backend_env.feeds(path) as registry:
        registry.add(site.feed_url)
    return path


@pytest.fixture(scope="module")
def api(backend_env):
    with ThreadedBotApiServer() as server:
        server.add_private_chat(OPERATOR, "Vận hành")
        server.add_private_chat(READER, "Đọc")
        server.add_private_chat(OTHER, "Khác")
        yield server


@pytest.fixture(scope="module")
def bot(api, data_dir, backend_env, tmp_path_factory, monkeypatch_module):
    log = tmp_path_factory.mktemp("pushes-log") / "bot.log"
    monkeypatch_module.setenv("NEWSBOT_ADMINS", f"{OPERATOR}, 99")
    process = launch(api, data_dir, log, {**FAST, **backend_env.env})
    try:
        ready(api)
        yield process
    finally:
        stop(process)
    text = log.read_text()
    assert process.returncode == 0, text
    assert "Traceback" not in text, text


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def writer(data_dir, backend_env):
    """The archive as `newsbot index` in another process writes it."""
    index = backend_env.index(data_dir)
    yield index
    index.close()


def test_a_phrase_is_pushed_and_scattered_syllables_are_not(api, bot, writer):
    chat = READER
    answer = say(api, chat, chat, "/theodoi giá vàng")
    assert answer["text"].startswith("✅ Đã theo dõi “giá vàng”.")
    assert "Giá vàng đi ngang tuần trước" in answer["text"]
    assert "Biến chứng kinh hoàng" not in answer["text"]  # newer, but no phrase
    writer.add(
        [
            news("mu-vang-2", "Cảnh báo biến chứng", "Bác sĩ đánh giá kỹ. Da có mủ vàng.", 10),
            news("vang-moi", "Thị trường vàng sôi động", "Giá vàng SJC tăng một triệu.", 10),
        ]
    )
    (push,) = wait_pushes(api, chat)
    assert "Thị trường vàng sôi động" in push["text"]
    # the sentence the phrase stands in, the phrase in bold
    assert "Giá vàng SJC tăng một triệu." in push["text"]
    assert "Giá vàng" in bold_parts(push)
    time.sleep(1.5)  # matched and delivered ten times over: still only the phrase
    assert len(pushes(api, chat)) == 1


def test_a_quoted_phrase_keeps_its_comma_and_shows_what_it_needs(api, bot, writer):
    chat = OTHER
    say(api, chat, chat, '/theodoi "lãi suất, tỷ giá" -quảng cáo')
    listed = say(api, chat, chat, "/dstheodoi")
    assert '1. "lãi suất, tỷ giá" -quảng cáo' in listed["text"]
    assert "“lãi suất, tỷ giá” · −“quảng cáo”" in listed["text"]
    writer.add(
        [
            news("tach-cau", "Lãi suất giảm", "Lãi suất giảm. Tỷ giá tăng nhẹ.", 11),
            news("lien-nhau", "Ngân hàng điều chỉnh", "Ngân hàng điều chỉnh lãi suất, tỷ giá.", 11),
        ]
    )
    (push,) = wait_pushes(api, chat)
    assert "Ngân hàng điều chỉnh" in push["text"]
    time.sleep(1.0)
    assert len(pushes(api, chat)) == 1


def test_a_source_filter_restricts_topics_and_search(api, bot, writer):
    chat = 6004
    api.add_private_chat(chat, "Nguồn")
    # a topic may wait for an outlet the archive does not hold yet; a question may not
    awaited = say(api, chat, chat, "/theodoi xăng dầu nguồn:tuoitre")
    assert awaited["text"].startswith("✅ Đã theo dõi “xăng dầu nguồn:tuoitre”.")
    assert "Chưa có bài nào từ nguồn tuoitre" in awaited["text"]
    unknown = say(api, chat, chat, "xăng dầu nguồn:tuoitre")
    assert unknown["text"].startswith("Không có nguồn “tuoitre”. Các nguồn hiện có:")
    assert "vnexpress.net" in unknown["text"] and "dantri.com.vn" in unknown["text"]
    ok = say(api, chat, chat, "/theodoi xăng dầu nguồn:vnexpress")
    assert ok["text"].startswith("✅ Đã theo dõi “xăng dầu nguồn:vnexpress”.")
    assert "Xăng dầu giữ giá" in ok["text"] and "Xăng dầu có thể tăng" not in ok["text"]
    writer.add(
        [
            sourced("xang-dt-2", "Xăng dầu tăng giá", "Giá xăng dầu tăng.", "dantri.com.vn"),
            sourced("xang-vne-2", "Xăng dầu giảm giá", "Giá xăng dầu giảm.", "vnexpress.net"),
        ]
    )
    (push,) = wait_pushes(api, chat)
    assert "Xăng dầu giảm giá" in push["text"]
    time.sleep(1.0)  # the search index refreshes every 0.5 s
    found = say(api, chat, chat, "xăng dầu nguồn:dantri")
    assert "Xăng dầu tăng giá" in found["text"] and "Xăng dầu giảm giá" not in found["text"]
    assert "Xăng dầu có thể tăng" in found["text"]
    assert len(pushes(api, chat)) == 1
    writer.add([sourced("xang-tt", "Xăng dầu về đích", "Giá xăng dầu ổn định.", "Tuổi Trẻ")])
    assert "Xăng dầu về đích" in wait_pushes(api, chat, 2)[-1]["text"]


def test_a_push_with_a_picture_is_a_photo_and_a_refused_one_goes_as_text(api, bot, site):
    chat = 6005
    api.add_private_chat(chat, "Ảnh")
    say(api, chat, chat, "/theodoi đèn lồng")
    picture = "https://anh.example.vn/den-long-1.jpg"
    long_text = ["Phố đèn lồng rực rỡ đón trung thu. " + "Người dân dạo phố rất đông. " * 80]
    site.publish("den-long-1", "Phố đèn lồng " + "lung linh " * 30, long_text, image=picture)
    (photo,) = wait_pushes(api, chat)
    assert photo["photo"] == picture
    assert photo["text"].startswith("🔔 đèn lồng\n")  # the caption
    assert len(photo["text"].encode("utf-16-le")) // 2 <= 1024
    assert photo["reply_markup"]["inline_keyboard"][0][0]["text"] == "📖 Đọc toàn văn"
    refused = "https://anh.example.vn/hong.jpg"
    api.refuse_photo(refused)
    site.publish("den-long-2", "Đèn lồng Hội An", ["Đèn lồng Hội An được khách ưa chuộng."])
    site.images["den-long-2"] = refused
    second = wait_pushes(api, chat, 2)[1]
    assert "photo" not in second and "Đèn lồng Hội An" in second["text"]
    failed = [e for e in api.errors() if e["method"] == "sendPhoto"]
    assert [e["params"]["photo"] for e in failed] == [refused]


def test_an_operator_adds_a_feed_from_the_chat_and_others_are_refused(
    api, bot, other_site, data_dir, backend_env
):
    refused = say(api, READER, READER, f"/nguon them {other_site.base}/")
    assert refused["text"] == (
        "Chỉ người vận hành bot (NEWSBOT_ADMINS) mới quản lý được nguồn tin."
    )
    assert say(api, READER, READER, "/feeds list")["text"] == refused["text"]
    bad = say(api, OPERATOR, OPERATOR, f"/nguon them {other_site.base}/khong-co.xml")
    assert bad["text"].startswith(f"Không thêm được {other_site.base}/khong-co.xml: HTTP 404")
    added = say(api, OPERATOR, OPERATOR, f"/nguon them {other_site.base}/")
    assert added["text"].startswith("✅ Đã thêm nguồn #2 Báo Thử Nghiệm (1 bài trong nguồn)")
    assert added["text"].endswith(f"{other_site.base}/rss.xml")
    with backend_env.feeds(data_dir) as registry:
        assert [f.url for f in registry.list()][-1] == other_site.feed_url
    # the running bot polls it
    say(api, OTHER, OTHER, "/theodoi chợ đêm")
    eventually(lambda: "/bai/khai-truong.html" in other_site.requests, timeout=15)
    other_site.publish("cho-dem-2", "Chợ đêm đông khách", ["Chợ đêm đông khách cuối tuần."])
    api.wait_for(
        lambda: any("Chợ đêm đông khách" in m["text"] for m in pushes(api, OTHER)), timeout=15
    )
    listed = say(api, OPERATOR, OPERATOR, "/nguon ds")
    assert listed["text"].startswith("📡 2 nguồn tin:")
    assert f"#2 {other_site.feed_url}" in listed["text"]
    gone = say(api, OPERATOR, OPERATOR, "/nguon xoa 2")
    assert gone["text"] == f"Đã bỏ nguồn #2 {other_site.feed_url}"
    usage = say(api, OPERATOR, OPERATOR, "/nguon lam gi")
    assert usage["text"].startswith("/nguon them <địa chỉ>")
