"""Email transport: `message` (pure MIME building, address checks) and `smtp` (the sender)."""
