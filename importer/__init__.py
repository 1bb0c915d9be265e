"""kit-import: import spreadsheet exports into a Kit account through the Kit v4 API.

The library's surface, one call per command: `import_file` / `import_rows` (run), `verify`,
`undo_run` (undo) and `propose_config` (init). Each takes Settings or the same keyword options,
and reads the credential and KIT_API_URL from the environment when none is given.
"""

from importer.errors import ImporterError
from importer.kit import Credential
from importer.outputs.report import RunReport
from importer.outputs.undo import UndoReport
from importer.propose import Proposal, propose_config
from importer.run import import_file, import_rows
from importer.settings.declaration import Settings
from importer.undo import undo_run
from importer.verify import VerifyReport, verify

__all__ = ["Credential", "ImporterError", "Proposal", "RunReport", "Settings", "UndoReport", "VerifyReport",
           "import_file", "import_rows", "propose_config", "undo_run", "verify"]
__version__ = "0.1.0"
