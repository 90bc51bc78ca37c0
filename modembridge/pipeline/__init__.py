"""The message pipeline: outbox source, inbound sink and pacing between store and modems."""
