"""Keyword rules and built-in compliance keywords.

Pure parts (no I/O, time is an argument): `normalize`, `compliance`, `regex_guard`, `model`,
`validate`, `effects`, `safety`, `engine`. Store-facing parts: `repository`, `context`,
`apply`, `handler`, `webhooks`, `service`, `wiring`.
"""
