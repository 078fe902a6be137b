"""How the site writes dates in each language, where Django's own formats do not fit it.

Templates name the formats (`|date:"DATE_FORMAT"`), never a pattern, so that every reader gets
dates in their own language's order and grammar ("23 ноября 2026 г.", "2026年11月23日").
The times the site shows are in UTC, so each full date and time names its zone.
"""
