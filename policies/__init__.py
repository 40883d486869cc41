"""Social-insurance rules as pure code plus data: no Telegram, no database, no bot imports."""
