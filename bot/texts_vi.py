"""What the bot says in Vietnamese, its default language."""

from __future__ import annotations

from .text_fields import Texts

__all__ = ["VI"]

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
    period_empty_note=(
        "Không có bài nào khớp câu hỏi đăng trong {period}; đây là các bài khớp nhất."
    ),
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
    unavailable="Hệ thống tạm thời gián đoạn. Mình sẽ trả lời câu hỏi này ngay khi hoạt động trở lại.",
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
        "dùng kho mẫu đi kèm ({path}), nạp một lần vào thư mục cache của bạn."
    ),
    console_offer_feeds=(
        "Kho tin ở {data} đang trống. Đọc tin mới nhất của {count} báo lớn ({path}) ngay bây "
        "giờ và theo dõi chúng? [C/k] "
    ),
    console_feeds_read="Đã đọc {count} bài từ {feeds} nguồn tin.",
    console_feeds_none="Không đọc được nguồn tin nào (chưa có mạng?).",
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
    followed_awaited="Chưa có bài nào từ nguồn {sources}; bài của nguồn này sẽ được gửi khi có.",
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
        "Tìm theo nghĩa: {semantic}\n"
        "Nguồn tin: {feeds}, {failing} đang lỗi{failing_list}"
    ),
    admin_semantic="{vectors}/{articles} bài đã có vector ({share}), {windows} bài có cả đoạn",
    admin_semantic_off="tắt (chỉ tìm theo từ)",
    usage_broadcast="Gõ nội dung sau lệnh: /broadcast <tin nhắn gửi mọi cuộc trò chuyện>",
    broadcast_queued="Đã xếp tin nhắn vào hàng gửi cho {chats} cuộc trò chuyện.",
    console_last_page="Đây là trang cuối.",
    console_no_number="Danh sách vừa rồi không có bài số {n}.",
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
