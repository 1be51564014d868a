"""The front door: settings, opening the backends, the `newsbot` command and its commands.

Nothing imports this package; it imports everything below it (bot, conversation, feeds,
search_backends, embed, index, storage).
"""
