"""What every benchmark shares: a database of its own, timing and the ratio line."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, text

from models.db import make_engine, upgrade_schema

#: The temporary directory SQLite benchmark databases live in (removed at exit).
_TMP = tempfile.TemporaryDirectory(prefix="hrbot-bench-")


def bench_engine(url: str | None, name: str) -> Engine:
    """A fresh database migrated to head: a temporary SQLite file, or on PostgreSQL a schema
    `hrbench_<name>` of its own (dropped and re-created), never the shared public schema."""
    if url is None:
        engine = make_engine(f"sqlite:///{Path(_TMP.name) / name}.sqlite")
    else:
        schema = f"hrbench_{name}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        joiner = "&" if "?" in url else "?"
        engine = make_engine(f"{url}{joiner}options={quote(f'-csearch_path={schema}')}")
    upgrade_schema(engine)
    return engine


def drop_bench_schema(url: str | None, name: str) -> None:
    if url is None:
        return
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS hrbench_{name} CASCADE"))
    admin.dispose()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def median(samples: list[float]) -> float:
    return statistics.median(samples)
