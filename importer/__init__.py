"""kit-import: import spreadsheet exports into a Kit account through the Kit v4 API."""

from importer.errors import ImporterError
from importer.pipeline import import_file, import_rows
from importer.report import RunReport
from importer.settings import Settings

__all__ = ["ImporterError", "RunReport", "Settings", "import_file", "import_rows"]
__version__ = "0.1.0"
