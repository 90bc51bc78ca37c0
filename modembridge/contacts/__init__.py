"""Contacts, lists, tags and consent records: conn-level writes (`store`), reads (`queries`),
the consent rules (`upsert`), CSV import/export (`importer`) and the service (`service`)."""
