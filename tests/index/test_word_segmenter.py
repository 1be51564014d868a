"""The fast segmenter gives pyvi's output, character for character, on varied texts."""

import random
import re

import pytest
from pyvi import ViTokenizer

from index import word_segmenter as segmenter_module
from index.analysis import Analyzer, pyvi_segment
from index.normalize import normalize
from index.word_segmenter import (
    Segmenter,
    crfsuite_bytes_from_pyvi,
    pyvi_model_dir,
    read_crfsuite,
    syllabify,
)

SENTENCES = [
    "Văn phòng Thành ủy Hà Nội vừa tổ chức hội nghị sơ kết công tác xây dựng Đảng.",
    "Giá vàng SJC sáng nay tăng thêm 500.000 đồng mỗi lượng, lên 78,5 triệu đồng.",
    "Theo Tổng cục Thống kê, GDP quý III/2024 tăng 7,4% so với cùng kỳ năm trước.",
    "Bão số 5 đổ bộ vào các tỉnh miền Trung, gây mưa lớn từ Thanh Hóa đến Quảng Trị.",
    "Ông Nguyễn Văn A, Chủ tịch UBND TP.HCM, cho biết thành phố sẽ khởi công tuyến metro số 2.",
    "Đội tuyển Việt Nam thắng Thái Lan 2-1 trong trận chung kết AFF Cup tối qua.",
    "Bộ Y tế khuyến cáo người dân tiêm vắc-xin phòng Covid-19 mũi nhắc lại.",
    "Ngân hàng Nhà nước điều chỉnh tỷ giá trung tâm lên 24.250 VND/USD.",
    "Cảnh sát giao thông (CSGT) đã lập biên bản xử phạt 1.245 trường hợp vi phạm nồng độ cồn.",
    "Học sinh lớp 12 sẽ thi tốt nghiệp THPT vào ngày 27 và 28/6.",
    "Hòa bình ở Trung Đông vẫn là mục tiêu xa vời sau nhiều vòng đàm phán.",
    "Khu vực Tây Nguyên có mưa rào và dông vài nơi, nhiệt độ thấp nhất 18-20 độ C.",
    "Thủy điện Hòa Bình xả lũ qua 3 cửa đáy để đón lũ từ thượng nguồn.",
    "Liên hệ đường dây nóng 1900 1234 hoặc email toasoan@baomoi.vn để phản ánh.",
    "Xem chi tiết tại https://vnexpress.net/kinh-doanh/gia-xang-giam-4512345.html?utm=rss nhé.",
    "Thị trường chứng khoán hôm nay: VN-Index giảm 12,35 điểm (-1,02%) xuống 1.205,6 điểm.",
    "ThS. Trần Thị B, giảng viên Đại học Quốc gia Hà Nội, nhận định như vậy.",
    "Mr. Smith và Mrs. Lee đến thăm Tp. Đà Nẵng hôm thứ Hai.",
    "Dr. Phạm cho biết bệnh viện đã tiếp nhận 35 ca mắc sốt xuất huyết...",
    "Khởi tố vụ án ==> bắt tạm giam 3 bị can -> chuyển hồ sơ sang Viện kiểm sát >> xét xử.",
    "“Chúng tôi sẽ làm đến cùng”, Bộ trưởng nói với báo chí sáng 15/10.",
    "Xe khách giường nằm lật trên cao tốc Nội Bài – Lào Cai, 2 người tử vong.",
    "Quỹ BHXH chi trả lương hưu cho hơn 3,2 triệu người trong tháng 11.",
    "Công ty cổ phần ABC báo lãi ròng 1.234,56 tỷ đồng, tăng 15% so với kế hoạch.",
    "Người dân khỏe mạnh, kinh tế phục hồi; tuy nhiên lạm phát vẫn là nỗi lo.",
    "Tàu cá QNg-90479-TS bị sóng đánh chìm, 7 ngư dân được cứu an toàn.",
    "TRỰC TIẾP: Lễ khai mạc SEA Games 31 tại sân vận động Mỹ Đình",
    "Nông dân Đồng bằng sông Cửu Long lo lắng khi giá lúa giảm mạnh.",
    "Sở GD&ĐT Hà Nội công bố điểm chuẩn vào lớp 10 năm học 2024-2025.",
    "Nhiều tuyến phố ở Q.1, Q.3 ngập sâu sau cơn mưa lớn chiều 20/9.",
    "Giải Nobel Y học 2023 được trao cho hai nhà khoa học nghiên cứu vắc xin mRNA.",
    "Cục Hàng không yêu cầu các hãng bay bảo đảm an toàn trong mùa mưa bão.",
    "Vụ cháy chung cư mini ở Khương Hạ làm 56 người chết, 37 người bị thương.",
    "Thủ tướng chỉ đạo đẩy nhanh giải ngân vốn đầu tư công, nhất là các dự án trọng điểm!",
    "Ai là người chịu trách nhiệm? Câu hỏi đó vẫn chưa có lời đáp.",
    "UBND tỉnh Quảng Ninh phê duyệt quy hoạch khu kinh tế Vân Đồn đến năm 2040",
    "Tỷ lệ thất nghiệp của lao động trong độ tuổi là 2,28%, giảm 0,01 điểm phần trăm.",
    "Đêm 31/12, hàng nghìn người đổ về phố đi bộ Nguyễn Huệ đón năm mới.",
    "Ông Lê Văn C (SN 1978, trú xã Hòa Khánh, huyện Đức Hòa) bị bắt giữ.",
    "Hệ thống điện mặt trời áp mái phát triển nóng, EVN kiến nghị điều chỉnh giá FIT.",
    # Words the CRF would join across a digit, a symbol or into a capital: pyvi keeps them apart.
    "Mẫu máy mới nhất là iPhone 17Pro Max với camera 48MP và pin 5.000 mAh.",
    "Vào Settings > System > Storage\nvà xóa bộ nhớ đệm của ứng dụng.",
    "Hố đen Sagittarius A *, nặng gấp 4 triệu lần Mặt Trời, nằm ở tâm Ngân Hà.",
    "Doanh nghiệp báo lãi sau thuế 2.100 tỷ đồng, chia cổ tức 15%.",
    "Khối thi gồm: Vật lí - Hóa học - Sinh học; điểm sàn 18,5.",
    "Lô đất 12 - 12B Trần Hưng Đạo được đấu giá lại vào quý IV.",
    "Cuộc bầu cử diễn ra tại 50 bang của Mỹ; mẫu xe mới có giá 8,9 tỷ đồng.",
    'Chiếc mô tô 125 độ lại, cán bộ bảo đảm "5 hóa" là đủ.',
    "Phát biểu tại Quốc hội, Bộ trưởng cho biết dự Luật Đất đai sẽ được trình lại.",
]
FRAGMENTS = [
    "...",
    "!!!",
    "(*)",
    "[1]",
    "—",
    "–",
    "#tin_mới",
    "@baomoi",
    "10/2020",
    "12:30",
    "3.000.000",
    "1,5",
    "0,75%",
    "100_000",
    "A.",
    "ĐH.",
    "TP.",
    "Q.",
    "http://a.vn",
    "ftp://files.example.com/x_y.zip",
    "ban.doc+tin@mail.example.com.vn",
    "==>",
    "->",
    ">>",
    "\n",
    "\n\n",
    "  ",
    "\t",
    "covid-19",
    "Covid-19",
    "COVID-19",
    "iPhone 15 Pro",
    "5G",
    "F0",
    "x2",
    "ʻokina",
    "naïve café",
    "ﬁ",
    "Σ",
    "ΟΔΟΣ",
    "İstanbul",
    "½",
    "²",
    "١٢٣",
]
# Old (hoà, thuỷ) and new (hòa, thủy) tone placements, and decomposed input.
STYLES = [
    lambda s: s,
    str.lower,
    str.upper,
    str.title,
    normalize,
    lambda s: s.replace("ò", "o\u0300").replace("ủ", "u\u0309"),
    lambda s: s.replace("Hòa", "Hoà").replace("hòa", "hoà").replace("Thủy", "Thuỷ"),
    lambda s: s.replace(" ", ""),
    lambda s: s.swapcase(),
]


def varied_texts(n: int = 400, seed: int = 11) -> list[str]:
    """Seeded mixes of news sentences, fragments and case and tone styles."""
    rng = random.Random(seed)
    texts = list(SENTENCES) + list(FRAGMENTS) + ["", " ", "a", "A", "Hà", ".", "1"]
    while len(texts) < n:
        parts = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.3:
                parts.append(rng.choice(FRAGMENTS))
            else:
                parts.append(rng.choice(STYLES)(rng.choice(SENTENCES)))
        texts.append(rng.choice([" ", "", "\n", ", "]).join(parts))
    return texts


TEXTS = varied_texts()


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter.from_pyvi()


def test_syllables_are_pyvis(seg):
    for text in TEXTS:
        assert syllabify(text) == ViTokenizer.ViTokenizer.sylabelize(text), text


def test_every_text_segments_as_pyvi_does(seg):
    for text in TEXTS:
        assert seg(text) == ViTokenizer.tokenize(text), text


def test_texts_segmented_together_stay_apart(seg):
    # Features never reach across texts: the end of one cannot join the start of the next.
    together = seg.many(TEXTS)
    assert together == [ViTokenizer.tokenize(t) for t in TEXTS]
    assert seg.many(["Hà", "Nội", "", "thành phố Hồ", "Chí Minh"]) == [
        "Hà",
        "Nội",
        "",
        "thành_phố Hồ",
        "Chí_Minh",
    ]


def test_a_full_cache_starts_over_and_changes_nothing(seg, monkeypatch):
    monkeypatch.setattr(segmenter_module, "_CACHE_LIMIT", 50)
    fresh = Segmenter.from_pyvi()
    for text in TEXTS[:120]:
        assert fresh(text) == ViTokenizer.tokenize(text)
    assert len(fresh._codes) <= 50 + max(len(syllabify(t)[1]) for t in TEXTS[:120])


def test_the_analyzer_default_gives_pyvis_terms():
    fast, reference = Analyzer(), Analyzer(pyvi_segment)
    docs = list(zip(TEXTS[0::2], TEXTS[1::2], strict=False))
    assert fast.analyze_here(docs) == reference.analyze_here(docs)
    assert [fast.terms(t) for t in TEXTS[:50]] == [reference.terms(t) for t in TEXTS[:50]]


def test_the_weights_read_from_pyvis_file_are_its_crfsuite_weights(tmp_path):
    # crfsuite's own text dump prints six decimals; the binary file holds the exact floats.
    model = read_crfsuite(crfsuite_bytes_from_pyvi(pyvi_model_dir() / "pyvi3.pkl"))
    ViTokenizer.ViTokenizer.model.tagger_.dump(str(tmp_path / "dump.txt"))
    section, checked = "", 0
    line_re = re.compile(r"\s*\(\d+\) (.+) --> (B_W|I_W): ([+-]?\d+\.\d+)$")
    for line in (tmp_path / "dump.txt").read_text(encoding="utf-8").splitlines():
        if line.endswith("= {"):
            section = line.split()[0]
        elif (m := line_re.match(line)) and section in ("TRANSITIONS", "STATE_FEATURES"):
            src, dst, weight = m.group(1), model.labels.index(m.group(2)), float(m.group(3))
            if section == "TRANSITIONS":
                assert model.transitions[model.labels.index(src), dst] == pytest.approx(
                    weight, abs=1e-6
                )
            else:
                assert model.weight(src)[dst] == pytest.approx(weight, abs=1e-6)
            checked += 1
    assert checked > 11_000 and model.labels == ("B_W", "I_W")


def test_threads_sharing_a_small_cache_get_pyvis_output(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(segmenter_module, "_CACHE_LIMIT", 5)  # cleared on nearly every call
    shared = Segmenter.from_pyvi()
    texts = TEXTS[:80]
    expected = [ViTokenizer.tokenize(t) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: [shared(t) for t in texts], range(8)))
    assert all(run == expected for run in runs)
