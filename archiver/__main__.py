from __future__ import annotations

import sys

from archiver.tools.cli import main

sys.exit(main())
