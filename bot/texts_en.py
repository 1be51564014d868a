"""What the bot says in English."""

from __future__ import annotations

from .text_fields import Texts

__all__ = ["EN"]

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
    period_empty_note=(
        "No matching article was published in {period}; these are the best matches."
    ),
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
    unavailable="Temporarily unavailable. I will answer this question as soon as I am back.",
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
        "use the bundled sample ({path}), indexed once in your cache folder."
    ),
    console_offer_feeds=(
        "The index in {data} is empty. Read the latest news of {count} major outlets ({path}) "
        "now and follow them? [Y/n] "
    ),
    console_feeds_read="Read {count} articles from {feeds} feeds.",
    console_feeds_none="No feed could be read (no network?).",
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
    followed_awaited="No article from {sources} has arrived yet; its articles come as they do.",
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
        "Meaning: {semantic}\n"
        "Feeds: {feeds}, {failing} failing{failing_list}"
    ),
    admin_semantic="{vectors} of {articles} articles embedded ({share}), {windows} with passages",
    admin_semantic_off="off (lexical search only)",
    usage_broadcast="Put the message after the command: /broadcast <text for every chat>",
    broadcast_queued="The message is in the outbox for {chats} chats.",
    console_last_page="That was the last page.",
    console_no_number="The last list has no article {n}.",
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
