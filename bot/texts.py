"""What the bot says, in Vietnamese (the default) and English."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EN", "VI", "Texts", "chosen", "pick"]


@dataclass(frozen=True, slots=True)
class Texts:
    """Every sentence of the conversation in one language; {names} are filled by render."""

    lang: str
    date_format: str
    welcome: str
    help: str
    suggestions_head: str
    archive_empty: str
    archive_empty_admin: str  # {path}
    usage_lang: str
    lang_set: str
    results_head: str  # {first} {last} {total} {query}
    partial_head: str  # {first} {last} {query}
    period_empty_note: str  # {period}
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
    commands: tuple[tuple[str, str], ...]  # (commands.Command key, menu description)
    console_help: str
    console_footer: str
    console_sample: str  # {data} {path}
    console_prompt: str
    no_token: str
    # subscriptions
    usage_follow: str
    followed: str  # {topic}
    followed_channel: str  # {topic} {channel}
    followed_instant: str
    followed_digest: str  # {hour} {zone}
    followed_recent: str
    followed_none: str
    topic_invalid: str  # {reason}
    topic_duplicate: str  # {topic}
    too_many_topics: str  # {limit}
    usage_unfollow: str
    unfollowed: str  # {topics}
    unfollow_missing: str  # {which}
    topics_head: str  # {mode}
    topics_head_channel: str  # {channel} {mode}
    topics_empty: str
    topics_footer: str
    in_thread: str
    in_other_thread: str
    mode_instant: str
    mode_digest: str  # {hour} {zone}
    usage_digest: str  # {mode}
    digest_set: str  # {hour} {zone}
    digest_off: str
    not_admin: str
    channel_unknown: str  # {channel}
    not_channel: str  # {channel}
    channel_not_admin: str  # {channel}
    channel_bot_cannot_post: str  # {channel}
    push_list_head: str  # {count}
    digest_head: str  # {date} {count}
    digest_more: str  # {count}
    read_full: str
    # the operator's commands
    admin_only: str
    admin_report: str  # see render.admin_report for the names
    usage_broadcast: str
    broadcast_queued: str  # {chats}
    console_last_page: str
    matched: str  # {phrase}
    source_unknown: str  # {names} {known}
    feeds_refused: str
    feeds_usage: str
    feeds_added: str  # {id} {url} {title} {entries}
    feeds_add_failed: str  # {url} {reason}
    feeds_removed: str  # {id} {url}
    feeds_remove_failed: str  # {reason}
    feeds_empty: str
    feeds_head: str  # {count}
    also_on: str = "{outlets}"  # the same story from other outlets


VI = Texts(
    lang="vi",
    date_format="%d/%m/%Y",
    welcome=(
        "Xin chào! Tôi tìm tin tức Việt Nam cho bạn.\n"
        "Cứ gửi câu hỏi, có dấu hay không dấu đều được."
    ),
    help=(
        "Gửi câu hỏi để tìm bài báo; bấm nút để xem trang sau hoặc đọc toàn văn.\n\n"
        "/tim <câu hỏi> – tìm bài báo\n"
        "/moi – tin mới nhất\n"
        "/doc <mã bài> – đọc toàn văn một bài\n"
        "/theodoi <chủ đề> – nhận bài mới về chủ đề, ví dụ: /theodoi giá vàng, tỷ giá -quảng cáo\n"
        "/huy <số hoặc chủ đề> – bỏ theo dõi\n"
        "/dstheodoi – các chủ đề đang theo dõi\n"
        "/tomtat <giờ> – gom bài mới thành bản tóm tắt mỗi ngày (/tomtat tat: gửi ngay)\n"
        "/lang en – English; /lang vi – tiếng Việt\n"
        "/help – hướng dẫn này\n\n"
        "Trong nhóm: gõ /tim <câu hỏi>, nhắc tên tôi hoặc trả lời tin nhắn của tôi.\n"
        "Ở bất kỳ cuộc trò chuyện nào: gõ @{bot} <câu hỏi>.\n"
        "Kênh: gõ /theodoi @tenkenh <chủ đề> ở đây, khi bạn và tôi là quản trị viên của kênh."
    ),
    suggestions_head="Thử hỏi về tin mới nhất trong kho:",
    archive_empty="Kho tin đang trống: chưa có bài nào để tìm. Bạn quay lại sau nhé.",
    archive_empty_admin=(
        "Kho tin ở {path} đang trống. Nạp bài bằng: newsbot index <thư mục hoặc tệp>, "
        "hoặc newsbot feeds add <địa chỉ RSS> rồi newsbot feeds poll."
    ),
    usage_lang="Gõ /lang vi (tiếng Việt) hoặc /lang en (English).",
    lang_set="Từ nay tôi trả lời bằng tiếng Việt.",
    results_head="Bài {first}–{last} trong {total} bài cho “{query}”",
    partial_head=(
        "Không bài nào chứa đủ các từ chính của “{query}”: bài {first}–{last} chỉ khớp một phần"
    ),
    period_empty_note="Không có bài nào khớp câu hỏi đăng trong {period}; đây là các bài mới nhất.",
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
        ("search", "Tìm bài báo: /tim giá vàng"),
        ("latest", "Tin mới nhất"),
        ("read", "Đọc toàn văn một bài"),
        ("follow", "Theo dõi chủ đề: /theodoi giá vàng"),
        ("unfollow", "Bỏ theo dõi một chủ đề"),
        ("topics", "Các chủ đề đang theo dõi"),
        ("digest", "Tóm tắt mỗi ngày: /tomtat 7, /tomtat tat"),
        ("start", "Bắt đầu"),
        ("help", "Hướng dẫn"),
    ),
    console_help=(
        "Gõ câu hỏi để tìm. n: trang sau, p: trang trước, một số: đọc toàn văn bài đó, "
        "/moi: tin mới nhất, /doc <mã>: đọc một bài, /lang en: English, q: thoát."
    ),
    console_footer="(n: trang sau · p: trang trước · số: đọc toàn văn · q: thoát)",
    console_sample=(
        "Kho tin ở {data} đang trống (nạp bằng: newsbot index <thư mục hoặc tệp>), nên tôi "
        "dùng kho mẫu đi kèm ({path}) trong một thư mục tạm."
    ),
    console_prompt="› ",
    no_token=(
        "Chưa có TELEGRAM_BOT_TOKEN.\n"
        "Tạo bot với @BotFather trên Telegram (lệnh /newbot), rồi đặt token vào .env:\n"
        "    TELEGRAM_BOT_TOKEN=123456:ABC...\n"
        "Muốn thử ngay không cần token: newsbot chat"
    ),
    usage_follow=(
        "Gõ chủ đề sau lệnh, ví dụ: /theodoi giá vàng, tỷ giá -quảng cáo\n"
        "Cụm từ phải đứng liền nhau, đúng thứ tự, trong một câu của bài; gõ có dấu thì khớp "
        'đúng dấu. Dấu phẩy ngăn các lựa chọn; -cụm từ để loại trừ; "…" giữ nguyên một cụm; '
        "nguồn:vnexpress chỉ lấy bài của báo đó."
    ),
    followed="✅ Đã theo dõi “{topic}”.",
    followed_channel="✅ Kênh {channel} đã theo dõi “{topic}”.",
    followed_instant="Bài mới khớp chủ đề sẽ được gửi ngay khi có.",
    followed_digest="Bài mới khớp chủ đề sẽ có trong bản tóm tắt lúc {hour:02d}:00 mỗi ngày ({zone}).",
    followed_recent="Mấy bài gần đây khớp chủ đề:",
    followed_none="Chưa có bài nào gần đây khớp chủ đề này.",
    topic_invalid="Không theo dõi được: {reason}.",
    topic_duplicate="Đã theo dõi “{topic}” rồi.",
    too_many_topics="Mỗi cuộc trò chuyện theo dõi tối đa {limit} chủ đề; bỏ bớt bằng /huy.",
    usage_unfollow="Gõ số hoặc chủ đề sau lệnh, ví dụ: /huy 1 (xem số bằng /dstheodoi), /huy tất cả.",
    unfollowed="Đã bỏ theo dõi: {topics}.",
    unfollow_missing="Không có chủ đề “{which}” trong danh sách; xem /dstheodoi.",
    topics_head="📋 Chủ đề đang theo dõi ({mode}):",
    topics_head_channel="📋 Chủ đề kênh {channel} đang theo dõi ({mode}):",
    topics_empty="Chưa theo dõi chủ đề nào. Thử: /theodoi giá vàng",
    topics_footer="Bỏ theo dõi: /huy <số> · Tóm tắt mỗi ngày: /tomtat <giờ>",
    in_thread="(trong chủ đề diễn đàn này)",
    in_other_thread="(trong một chủ đề diễn đàn khác)",
    mode_instant="gửi ngay khi có bài",
    mode_digest="tóm tắt lúc {hour:02d}:00 mỗi ngày, {zone}",
    usage_digest=(
        "Gõ giờ (0–23) sau lệnh: /tomtat 7 để nhận tóm tắt lúc 07:00 mỗi ngày, "
        "/tomtat tat để nhận bài ngay khi có. Hiện tại: {mode}."
    ),
    digest_set="Từ nay bài mới được gom thành bản tóm tắt lúc {hour:02d}:00 mỗi ngày ({zone}).",
    digest_off="Từ nay bài mới được gửi ngay khi có.",
    not_admin="Chỉ quản trị viên của nhóm mới thay đổi được chủ đề theo dõi.",
    channel_unknown=(
        "Không tìm thấy kênh {channel}. Hãy thêm tôi vào kênh làm quản trị viên rồi thử lại."
    ),
    not_channel="{channel} không phải là kênh; với nhóm, hãy gõ lệnh ngay trong nhóm.",
    channel_not_admin="Chỉ quản trị viên của kênh {channel} mới quản lý được chủ đề của kênh.",
    channel_bot_cannot_post=(
        "Tôi cần là quản trị viên có quyền đăng bài trong kênh {channel}. "
        "Hãy cấp quyền rồi thử lại."
    ),
    push_list_head="{count} bài mới về chủ đề bạn theo dõi",
    digest_head="Tóm tắt tin ngày {date}: {count} bài",
    digest_more="… và {count} bài khác.",
    read_full="📖 Đọc toàn văn",
    admin_only="Lệnh này chỉ dành cho người vận hành bot.",
    admin_report=(
        "🛠 Tình trạng bot\n"
        "Đã chạy: {uptime}\n"
        "Cuộc trò chuyện: {chats} ({kinds}); theo dõi chủ đề: {subscribed}\n"
        "Chủ đề: {topics}\n"
        "Hàng gửi: {pending} chờ gửi, {failed} lỗi, {sent} đã gửi\n"
        "Kho tin: {articles} bài, {size}; bài mới nhất: {last}\n"
        "Nguồn tin: {feeds}, {failing} đang lỗi{failing_list}"
    ),
    usage_broadcast="Gõ nội dung sau lệnh: /broadcast <tin nhắn gửi mọi cuộc trò chuyện>",
    broadcast_queued="Đã xếp tin nhắn vào hàng gửi cho {chats} cuộc trò chuyện.",
    console_last_page="Đây là trang cuối.",
    matched="khớp “{phrase}”",
    source_unknown="Không có nguồn “{names}”. Các nguồn hiện có: {known}.",
    feeds_refused="Chỉ người vận hành bot (NEWSBOT_ADMINS) mới quản lý được nguồn tin.",
    feeds_usage=(
        "/nguon them <địa chỉ> – thêm nguồn tin (RSS, Atom, hoặc trang có đường dẫn tới nguồn)\n"
        "/nguon ds – các nguồn tin\n"
        "/nguon xoa <số hoặc địa chỉ> – bỏ một nguồn tin"
    ),
    feeds_added="✅ Đã thêm nguồn #{id} {title} ({entries} bài trong nguồn): {url}",
    feeds_add_failed="Không thêm được {url}: {reason}",
    feeds_removed="Đã bỏ nguồn #{id} {url}",
    feeds_remove_failed="Không bỏ được: {reason}",
    feeds_empty="Chưa có nguồn tin nào. Thêm bằng /nguon them <địa chỉ>.",
    feeds_head="📡 {count} nguồn tin:",
    also_on="cùng tin trên {outlets}",
)

EN = Texts(
    lang="en",
    date_format="%Y-%m-%d",
    welcome=(
        "Hello! I search Vietnamese news for you.\n"
        "Just send a question, with or without Vietnamese diacritics."
    ),
    help=(
        "Send a question to find articles; use the buttons for more results or the full text.\n\n"
        "/search <question> – find articles\n"
        "/latest – newest articles\n"
        "/read <article id> – read an article in full\n"
        "/subscribe <topic> – get new articles on a topic, e.g. /subscribe giá vàng, tỷ giá -quảng cáo\n"
        "/unsubscribe <number or topic> – stop following\n"
        "/subscriptions – the topics followed here\n"
        "/digest <hour> – one daily digest instead of each article (/digest off: at once)\n"
        "/lang vi – tiếng Việt; /lang en – English\n"
        "/help – this help\n\n"
        "In groups: type /search <question>, mention me or reply to my messages.\n"
        "In any chat: type @{bot} <question>.\n"
        "Channels: type /subscribe @channelname <topic> here when you and I both admin it."
    ),
    suggestions_head="Try the latest news in the archive:",
    archive_empty="The archive is empty: there is nothing to search yet. Please come back later.",
    archive_empty_admin=(
        "The index in {path} is empty. Fill it with: newsbot index <folders or files>, "
        "or newsbot feeds add <RSS URL> then newsbot feeds poll."
    ),
    usage_lang="Type /lang en (English) or /lang vi (tiếng Việt).",
    lang_set="From now on I answer in English.",
    results_head="Articles {first}–{last} of {total} for “{query}”",
    partial_head=(
        "No article holds the main words of “{query}”: articles {first}–{last} match in part"
    ),
    period_empty_note="No matching article was published in {period}; these are the newest.",
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
        ("follow", "Follow a topic: /subscribe giá vàng"),
        ("unfollow", "Stop following a topic"),
        ("topics", "Topics followed here"),
        ("digest", "Daily digest: /digest 7, /digest off"),
        ("start", "Start"),
        ("help", "Help"),
    ),
    console_help=(
        "Type a question to search. n: next page, p: previous page, a number: read that "
        "article, /latest: newest articles, /read <id>: read an article, /lang vi: tiếng Việt, "
        "q: quit."
    ),
    console_footer="(n: next page · p: previous page · number: full text · q: quit)",
    console_sample=(
        "The index in {data} is empty (fill it with: newsbot index <folders or files>), so I "
        "use the bundled sample ({path}) in a temporary folder."
    ),
    console_prompt="› ",
    no_token=(
        "TELEGRAM_BOT_TOKEN is not set.\n"
        "Create a bot with @BotFather in Telegram (/newbot) and put its token in .env:\n"
        "    TELEGRAM_BOT_TOKEN=123456:ABC...\n"
        "To try the bot right now without a token: newsbot chat"
    ),
    usage_follow=(
        "Put a topic after the command, e.g. /subscribe giá vàng, tỷ giá -quảng cáo\n"
        "A phrase must stand in one sentence of the article, its words side by side in that "
        "order, with the diacritics you typed. Commas separate alternatives; -phrase excludes; "
        '"…" keeps a phrase whole; source:vnexpress keeps that outlet\'s articles only.'
    ),
    followed="✅ Following “{topic}”.",
    followed_channel="✅ Channel {channel} now follows “{topic}”.",
    followed_instant="New matching articles will be sent as soon as they arrive.",
    followed_digest="New matching articles will be in the digest at {hour:02d}:00 every day ({zone}).",
    followed_recent="Recent articles on this topic:",
    followed_none="No recent article matches this topic yet.",
    topic_invalid="Cannot follow this: {reason}.",
    topic_duplicate="Already following “{topic}”.",
    too_many_topics="A chat follows at most {limit} topics; remove some with /unsubscribe.",
    usage_unfollow="Put a number or the topic after the command, e.g. /unsubscribe 1 (see /subscriptions), /unsubscribe all.",
    unfollowed="No longer following: {topics}.",
    unfollow_missing="“{which}” is not among the topics; see /subscriptions.",
    topics_head="📋 Topics followed ({mode}):",
    topics_head_channel="📋 Topics channel {channel} follows ({mode}):",
    topics_empty="No topic followed yet. Try: /subscribe giá vàng",
    topics_footer="Stop following: /unsubscribe <number> · Daily digest: /digest <hour>",
    in_thread="(in this forum topic)",
    in_other_thread="(in another forum topic)",
    mode_instant="sent as they arrive",
    mode_digest="digest at {hour:02d}:00 daily, {zone}",
    usage_digest=(
        "Put an hour (0–23) after the command: /digest 7 for a digest at 07:00 every day, "
        "/digest off for each article as it arrives. Now: {mode}."
    ),
    digest_set="From now on new articles come in one digest at {hour:02d}:00 every day ({zone}).",
    digest_off="From now on new articles are sent as soon as they arrive.",
    not_admin="Only the group's administrators can change the topics it follows.",
    channel_unknown="Channel {channel} was not found. Add me to it as an administrator and try again.",
    not_channel="{channel} is not a channel; for a group, send the command in the group.",
    channel_not_admin="Only administrators of {channel} can manage its topics.",
    channel_bot_cannot_post=(
        "I need to be an administrator allowed to post in {channel}. "
        "Give me that right and try again."
    ),
    push_list_head="{count} new articles on topics you follow",
    digest_head="News digest of {date}: {count} articles",
    digest_more="… and {count} more.",
    read_full="📖 Read in full",
    admin_only="This command is for the bot's operators.",
    admin_report=(
        "🛠 Bot status\n"
        "Up for: {uptime}\n"
        "Chats: {chats} ({kinds}); following topics: {subscribed}\n"
        "Topics: {topics}\n"
        "Outbox: {pending} pending, {failed} failed, {sent} sent\n"
        "Index: {articles} articles, {size}; newest: {last}\n"
        "Feeds: {feeds}, {failing} failing{failing_list}"
    ),
    usage_broadcast="Put the message after the command: /broadcast <text for every chat>",
    broadcast_queued="The message is in the outbox for {chats} chats.",
    console_last_page="That was the last page.",
    matched="matched “{phrase}”",
    source_unknown="There is no source “{names}”. The sources are: {known}.",
    feeds_refused="Only the bot's operators (NEWSBOT_ADMINS) can manage its news feeds.",
    feeds_usage=(
        "/feeds add <url> – add a news feed (RSS, Atom, or a page that links to one)\n"
        "/feeds list – the feeds\n"
        "/feeds remove <number or url> – drop a feed"
    ),
    feeds_added="✅ Added feed #{id} {title} ({entries} entries now): {url}",
    feeds_add_failed="Cannot add {url}: {reason}",
    feeds_removed="Removed feed #{id} {url}",
    feeds_remove_failed="Cannot remove: {reason}",
    feeds_empty="No feeds yet. Add one with /feeds add <url>.",
    feeds_head="📡 {count} feeds:",
    also_on="also in {outlets}",
)


def pick(language_code: str | None) -> Texts:
    """English for users whose Telegram language is English, Vietnamese for everyone else."""
    return EN if (language_code or "").lower().startswith("en") else VI


def chosen(word: str) -> Texts | None:
    """The language a /lang argument names ("en", "english", "vi", "tiếng việt"), or None."""
    word = " ".join(word.lower().split())
    if word in ("en", "eng", "english", "tiếng anh", "tieng anh"):
        return EN
    if word in ("vi", "vn", "vie", "vietnamese", "tiếng việt", "tieng viet"):
        return VI
    return None
