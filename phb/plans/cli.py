"""``phb report pcsp`` and ``phb report phb-return``: the quarterly figures as CSV, for everyone on the system."""

from __future__ import annotations

import sys

import click


def _quarter(value: str) -> object:
    from phb.plans.rules import Quarter  # noqa: PLC0415 - keep `phb --help` fast

    try:
        quarter = Quarter.parse(value)
        _ = quarter.previous, quarter.end  # the report reads both: 0001Q1 and 9999Q4 have no neighbour
    except (ValueError, OverflowError) as exc:
        raise click.BadParameter(f"{value}: {exc}", param_hint="--quarter") from exc
    return quarter


def _check_quarter(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """Refuse a malformed quarter as the options are parsed, before the database is opened."""
    _quarter(value)
    return value


def _run(report: str, quarter_text: str, records: bool) -> None:
    from phb.audit.services import AuditActor, act_as  # noqa: PLC0415
    from phb.config import get_settings  # noqa: PLC0415
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415
    from phb.plans import reports  # noqa: PLC0415
    from phb.plans.rules import Quarter  # noqa: PLC0415

    quarter = _quarter(quarter_text)
    assert isinstance(quarter, Quarter)  # noqa: S101 - _quarter returns a Quarter or raises
    factory = make_session_factory(create_db_engine(get_settings().database_url))
    with factory() as session:
        act_as(session, AuditActor(user_id=None, label=f"cli:phb report {report}"))
        if report == "pcsp":
            pcsp = reports.build_pcsp_report(session, None, quarter)
            text = reports.pcsp_records_csv(pcsp) if records else reports.pcsp_csv(pcsp)
        else:
            result = reports.build_phb_return(session, None, quarter)
            text = reports.phb_return_records_csv(result) if records else reports.phb_return_csv(result)
        reports.record_export(session, report, quarter, "csv-records" if records else "csv")
        session.commit()
    sys.stdout.write(text)


@click.group()
def report() -> None:
    """Quarterly reports (CSV on standard output)."""


@report.command("pcsp")
@click.option(
    "--quarter",
    "quarter_text",
    required=True,
    callback=_check_quarter,
    help="Calendar quarter, like 2026Q3 (July to September).",
)
@click.option("--records", is_flag=True, help="List the plans behind each figure instead of the figures.")
def pcsp(quarter_text: str, records: bool) -> None:
    """New and reviewed personalised care and support plans meeting the five criteria (SNOMED CT coded)."""
    _run("pcsp", quarter_text, records)


@report.command("phb-return")
@click.option(
    "--quarter",
    "quarter_text",
    required=True,
    callback=_check_quarter,
    help="Calendar quarter, like 2026Q3 (July to September).",
)
@click.option("--records", is_flag=True, help="List the budgets behind each figure instead of the figures.")
def phb_return(quarter_text: str, records: bool) -> None:
    """The national quarterly return: personal health budgets by type and cohort."""
    _run("phb-return", quarter_text, records)


COMMANDS = [report]
