"""Delivery to subscribers: the transports, the renderers, the dispatcher and the Telegram bot.

Nothing is imported here on purpose: a `check` with no channel configured must not pay for
python-telegram-bot, aiosmtplib or the email package. Import the submodule you need:

- `notifiers.outcome`: the outcome values every sender returns (pure, no dependencies).
- secrets go through `watcher.secrets` (the one redaction rule): tokens and passwords never
  reach a log line or an error string.
- `notifiers.telegram.text`: Telegram HTML escaping, UTF-16 length, splitting (pure).
- `notifiers.telegram.sender`: `TelegramSender` (python-telegram-bot, aiolimiter).
- `notifiers.email.message`: address validation and the MIME message builder (pure).
- `notifiers.email.smtp`: `SmtpSender` (aiosmtplib).
- `notifiers.dispatch`: `Dispatcher`, sending the outbox's rows.
- `notifiers.bot`: the interactive bot (commands, filter buttons, operators' commands).
- `notifiers.service`: `DeliveryService`, the daemon's dispatcher loop and bot.
"""
