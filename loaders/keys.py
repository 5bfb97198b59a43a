"""The key of a figure, report:offset:subject (? for a subject the text does not settle), as
Python builds and reads it: the same key the models build with @FACT_ID (macros/fact_id.py)."""

from __future__ import annotations

NO_SUBJECT = "?"


def fact_id(report_id: str, span_start: int, subject: str | None) -> str:
    """The key of the figure at span_start of a report, for a subject."""
    return f"{report_id}:{int(span_start)}:{NO_SUBJECT if subject is None else subject}"


def fact_id_parts(key: str) -> tuple[str, int, str]:
    """(report_id, span_start, subject) of a key (a report id may hold a colon)."""
    report_id, span_start, subject = key.rsplit(":", 2)
    return report_id, int(span_start), subject


def moved_fact_id(key: str, span_start: int) -> str:
    """The key of the same figure at another offset (its report revised)."""
    report_id, _, subject = key.rsplit(":", 2)
    return f"{report_id}:{int(span_start)}:{subject}"


def fact_id_sql(
    report_id: str = "report_id", span_start: str = "span_start", subject: str = "subject"
) -> str:
    """The key as a SQL expression over these columns (or expressions), for the queries Python
    runs itself: the SQL @FACT_ID renders."""
    return (
        f"{report_id} || ':' || CAST({span_start} AS TEXT) || ':' || "
        f"COALESCE({subject}, '{NO_SUBJECT}')"
    )
