"""``python -m corridor``: the command line (`corridor.cli`)."""
import sys

from corridor.cli import main

sys.exit(main())
