"""Telegram transport: `text` (pure HTML helpers and the splitter) and `sender` (Bot API calls)."""
