import csv
import io

from click.testing import CliRunner

from phb.cli import main


def test_statements_check_writes_flags_and_exits_zero(tmp_path):
    statement = tmp_path / "statement.csv"
    statement.write_text(
        "date,description,amount,mcc\n"
        "2026-10-01,CARD PAYMENT TO WILLIAM HILL ON 01-10,-20.00,\n"
        "2026-10-02,TESCO STORES 2231,-12.40,5411\n"
        "2026-10-03,REFUND BET365,15.00,7995\n"
    )
    result = CliRunner().invoke(main, ["statements", "check", str(statement)])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["exclusion"] for r in rows] == ["gambling", "", ""]
    assert "WILLIAM HILL" in rows[0]["reason"].upper()


def test_statements_check_names_the_bad_line(tmp_path):
    statement = tmp_path / "bad.csv"
    statement.write_text("date,description,amount\n2026-10-01,TESCO,-1.00\n2026-10-02,ARGOS,12.3.4\n")
    result = CliRunner().invoke(main, ["statements", "check", str(statement)])
    assert result.exit_code == 2
    assert "line 3" in result.output
