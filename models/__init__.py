"""SQLModel tables and their queries. Importing this package registers every table."""

from models import (  # noqa: F401
    audit,
    backpay_case,
    command_menu,
    company,
    complaint,
    employee,
    heartbeat,
    ledger,
    ledger_history,
    ptb_state,
    reminder,
    robot,
    task,
    upload,
)
