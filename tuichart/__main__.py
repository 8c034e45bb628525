"""`python -m tuichart`."""

import sys

from tuichart.cli import main

sys.exit(main())
