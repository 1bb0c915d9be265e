"""A local emulator of the Kit v4 endpoints kit-import uses, for rehearsals and tests."""

from importer.sandbox.server import SAMPLE_FIELDS, SAMPLE_FORMS, SAMPLE_SEQUENCES, Behaviour, Sandbox
from importer.sandbox.store import FIELD_MODES, KitStore

__all__ = ["Behaviour", "FIELD_MODES", "KitStore", "SAMPLE_FIELDS", "SAMPLE_FORMS", "SAMPLE_SEQUENCES", "Sandbox"]
