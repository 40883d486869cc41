"""`python -m bot.cli …` is the same as the `hrbot` command."""

import sys

from bot.cli import main

sys.exit(main())
