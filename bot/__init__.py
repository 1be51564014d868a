"""The Telegram layer: handlers, inline mode, topics and their delivery, over the conversation."""
