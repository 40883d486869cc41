"""SQLModel tables and their queries. Importing this package registers every table."""

from models import audit, company, employee, ledger, ledger_history, ptb_state, reminder, task  # noqa: F401
