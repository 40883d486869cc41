"""The office libraries are loaded when the first file is made, not when the bot starts.

python-docx, openpyxl (which loads numpy) and matplotlib add ~65 MB of memory; most updates
never make a file, and the 100,000-employee memory goal (< 150 MB, bench/bench_rss.py) is met
only without them. A module-level import anywhere on the start-up path would bring them back.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("matplotlib", "numpy", "openpyxl", "docx", "PIL")


def test_building_the_application_loads_no_office_library() -> None:
    probe = (
        "import json, sys\n"
        "import bot.app, bot.cli, handlers\n"
        "from bot.settings import load_settings\n"
        "from bot.app import build_application\n"
        "from models.db import make_engine\n"
        "build_application(load_settings(path='/nonexistent.toml', env={}),\n"
        "                  engine=make_engine('sqlite://'), migrate=False)\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert json.loads(run.stdout.strip().splitlines()[-1]) == []


def test_a_document_still_loads_them_when_made() -> None:
    probe = (
        "import sys\n"
        "from bot.importing import without_control_characters\n"
        "assert without_control_characters('a\\x01b') == 'ab'\n"
        "print('openpyxl' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip() == "True"
