"""A local emulator of the Kit v4 endpoints kit-import uses, for rehearsals and tests."""

from importer.sandbox.server import DEMO_FIELDS, SAMPLE_FIELDS, Behaviour, Sandbox
from importer.sandbox.store import FIELD_MODES, KitStore

__all__ = ["Behaviour", "DEMO_FIELDS", "FIELD_MODES", "KitStore", "SAMPLE_FIELDS", "Sandbox"]
