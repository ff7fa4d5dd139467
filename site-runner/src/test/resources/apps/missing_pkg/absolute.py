"""With absolute_import, `import re` is never tried as missing_pkg.re."""
from __future__ import absolute_import

import re

PATTERN = re.compile("x")
