"""``python -m hub``: see hub._cli."""

import sys

from hub._cli import main

sys.exit(main())
