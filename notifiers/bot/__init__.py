"""The interactive Telegram bot: self-service subscriptions, reading commands, operator commands.

- `replies`: what the bot says and its filter menus (pure).
- `handlers`: the python-telegram-bot handlers (imports PTB).
- `app`: the PTB `Application` around them, for the daemon's long polling (`BotRunner`) and for
  `check`'s one pass over the pending updates (`Answerer`).
- `pending`: `check`'s getUpdates with timeout 0, made without PTB: a check with no pending
  update loads no bot library.

Nothing is imported here: import the submodule you need.
"""
