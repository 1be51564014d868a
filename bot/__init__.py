"""Telegram glue over the index: conversation, inline mode, subscriptions."""
