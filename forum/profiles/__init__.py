"""The profiles blueprint; its views live in routes.py, which creates `bp`, and in
ignore_routes.py (ignoring a name, and the list of ignored names in Settings) and
invitation_routes.py (making invitation codes from Settings).

import_routes.py (bringing one's own blog in from Settings) is loaded by create_app's module,
not here: it stands on the posting path's importer, and the posting path itself loads this
package (threads/tree.py reads ignored names), so loading it here would be a cycle."""
from . import ignore_routes, invitation_routes
from .routes import bp

__all__ = ["bp", "ignore_routes", "invitation_routes"]
