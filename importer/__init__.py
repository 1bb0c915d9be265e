"""kit-import: import spreadsheet exports into a Kit account through the Kit v4 API."""

from importer.errors import ImporterError
from importer.run import import_file, import_rows
from importer.outputs.report import RunReport
from importer.settings.declaration import Settings

__all__ = ["ImporterError", "RunReport", "Settings", "import_file", "import_rows"]
__version__ = "0.1.0"
