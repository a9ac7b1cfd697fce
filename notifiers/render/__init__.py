"""Rendering alerts for each channel (pure): `view` decides what is said, `telegram` and
`email` say it in their markup."""
