"""What the bot says, in Vietnamese (the default) and English."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EN", "VI", "Texts", "pick"]


@dataclass(frozen=True, slots=True)
class Texts:
    """Every sentence of the conversation in one language; {names} are filled by render."""

    lang: str
    date_format: str
    welcome: str
    help: str
    examples: tuple[str, ...]
    results_head: str  # {first} {last} {total} {query}
    folded_note: str
    no_results: str  # {query}
    no_results_hint: str
    no_results_folded_hint: str
    query_cut: str  # {limit}
    usage_search: str
    usage_read: str
    latest_head: str
    latest_empty: str
    article_missing: str
    previous: str
    next: str
    page: str  # {page} {pages}
    read_button: str  # {n}
    expired: str
    flood: str  # {seconds}
    error: str
    continued: str  # {part} {parts}
    inline_open_bot: str
    commands: tuple[tuple[str, str], ...]  # (command, description) for setMyCommands
    console_help: str
    console_footer: str
    console_sample: str  # {path}
    console_prompt: str
    no_token: str


VI = Texts(
    lang="vi",
    date_format="%d/%m/%Y",
    welcome=(
        "Xin chào! Tôi tìm tin tức Việt Nam cho bạn.\n"
        "Cứ gửi câu hỏi, có dấu hay không dấu đều được, ví dụ:"
    ),
    help=(
        "Gửi câu hỏi để tìm bài báo; bấm nút để xem trang sau hoặc đọc toàn văn.\n\n"
        "/tim <câu hỏi> – tìm bài báo\n"
        "/moi – tin mới nhất\n"
        "/doc <mã bài> – đọc toàn văn một bài\n"
        "/help – hướng dẫn này\n\n"
        "Trong nhóm: gõ /tim <câu hỏi>, nhắc tên tôi hoặc trả lời tin nhắn của tôi.\n"
        "Ở bất kỳ cuộc trò chuyện nào: gõ @{bot} <câu hỏi>."
    ),
    examples=("giá vàng hôm nay", "bão miền Trung", "gia xang dau"),
    results_head="Bài {first}–{last} trong {total} bài cho “{query}”",
    folded_note="Bạn gõ không dấu nên tôi tìm cả các từ có dấu tương ứng.",
    no_results="Không tìm thấy bài nào cho “{query}”.",
    no_results_hint="Thử ít từ hơn, từ khác cùng nghĩa, hoặc xem tin mới nhất với /moi.",
    no_results_folded_hint="Gõ có dấu (ví dụ “giá vàng”) thường cho kết quả chính xác hơn.",
    query_cut="Câu hỏi dài quá nên tôi chỉ tìm theo {limit} ký tự đầu.",
    usage_search="Gõ câu hỏi sau lệnh, ví dụ: /tim giá vàng",
    usage_read="Gõ mã bài sau lệnh, ví dụ: /doc abc123 (mã có trong đường link của bài).",
    latest_head="Tin mới nhất",
    latest_empty="Kho tin đang trống.",
    article_missing="Không tìm thấy bài này; có thể nó đã bị gỡ.",
    previous="« Trước",
    next="Sau »",
    page="Trang {page}/{pages}",
    read_button="📖 {n}",
    expired="Kết quả này đã cũ, hãy hỏi lại nhé.",
    flood="Bạn hỏi hơi nhanh. Vui lòng chờ khoảng {seconds} giây rồi hỏi tiếp nhé.",
    error="Xin lỗi, đã có lỗi. Bạn thử lại sau ít phút nhé.",
    continued="({part}/{parts})",
    inline_open_bot="Không có kết quả – mở bot",
    commands=(
        ("tim", "Tìm bài báo: /tim giá vàng"),
        ("moi", "Tin mới nhất"),
        ("doc", "Đọc toàn văn một bài"),
        ("start", "Bắt đầu"),
        ("help", "Hướng dẫn"),
    ),
    console_help=(
        "Gõ câu hỏi để tìm. n: trang sau, p: trang trước, một số: đọc toàn văn bài đó, "
        "/moi: tin mới nhất, /doc <mã>: đọc một bài, q: thoát."
    ),
    console_footer="(n: trang sau · p: trang trước · số: đọc toàn văn · q: thoát)",
    console_sample="Kho tin trống nên tôi dùng kho mẫu đi kèm ({path}) trong một thư mục tạm.",
    console_prompt="› ",
    no_token=(
        "Chưa có TELEGRAM_BOT_TOKEN.\n"
        "Tạo bot với @BotFather trên Telegram (lệnh /newbot), rồi đặt token vào .env:\n"
        "    TELEGRAM_BOT_TOKEN=123456:ABC...\n"
        "Muốn thử ngay không cần token: newsbot chat"
    ),
)

EN = Texts(
    lang="en",
    date_format="%Y-%m-%d",
    welcome=(
        "Hello! I search Vietnamese news for you.\n"
        "Just send a question, with or without Vietnamese diacritics, for example:"
    ),
    help=(
        "Send a question to find articles; use the buttons for more results or the full text.\n\n"
        "/search <question> – find articles\n"
        "/latest – newest articles\n"
        "/read <article id> – read an article in full\n"
        "/help – this help\n\n"
        "In groups: type /search <question>, mention me or reply to my messages.\n"
        "In any chat: type @{bot} <question>."
    ),
    examples=("giá vàng hôm nay", "bão miền Trung", "gia xang dau"),
    results_head="Articles {first}–{last} of {total} for “{query}”",
    folded_note="You typed without diacritics, so accented words match too.",
    no_results="No article matches “{query}”.",
    no_results_hint="Try fewer words, other words with the same meaning, or /latest.",
    no_results_folded_hint="Typing with diacritics (e.g. “giá vàng”) is usually more precise.",
    query_cut="Your question was long, so I searched its first {limit} characters.",
    usage_search="Put your question after the command, e.g. /search giá vàng",
    usage_read="Put the article id after the command, e.g. /read abc123 (it is in the link).",
    latest_head="Latest articles",
    latest_empty="The archive is empty.",
    article_missing="This article was not found; it may have been removed.",
    previous="« Previous",
    next="Next »",
    page="Page {page}/{pages}",
    read_button="📖 {n}",
    expired="These results have expired; please ask again.",
    flood="You are asking a little fast. Please wait about {seconds} seconds.",
    error="Sorry, something went wrong. Please try again in a few minutes.",
    continued="({part}/{parts})",
    inline_open_bot="No results – open the bot",
    commands=(
        ("search", "Find articles: /search giá vàng"),
        ("latest", "Newest articles"),
        ("read", "Read an article in full"),
        ("start", "Start"),
        ("help", "Help"),
    ),
    console_help=(
        "Type a question to search. n: next page, p: previous page, a number: read that "
        "article, /latest: newest articles, /read <id>: read an article, q: quit."
    ),
    console_footer="(n: next page · p: previous page · number: full text · q: quit)",
    console_sample="The archive is empty, so I use the bundled sample ({path}) in a temporary folder.",
    console_prompt="› ",
    no_token=(
        "TELEGRAM_BOT_TOKEN is not set.\n"
        "Create a bot with @BotFather in Telegram (/newbot) and put its token in .env:\n"
        "    TELEGRAM_BOT_TOKEN=123456:ABC...\n"
        "To try the bot right now without a token: newsbot chat"
    ),
)


def pick(language_code: str | None) -> Texts:
    """English for users whose Telegram language is English, Vietnamese for everyone else."""
    return EN if (language_code or "").lower().startswith("en") else VI
