"""Delivery channels: Telegram and group robots (WeCom, Feishu, DingTalk) behind one interface."""
