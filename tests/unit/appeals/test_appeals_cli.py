"""``phb appeals``: checking a configuration and counting working days from the command line."""

from click.testing import CliRunner

from phb.governance.appeals.cli import appeals


def test_check_prints_the_limits_or_every_problem(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[time_limits]\ndecide_working_days = 15\n[reviewer]\nmode = "higher"\n')
    result = CliRunner().invoke(appeals, ["check", str(good)])
    assert result.exit_code == 0
    assert "reviewer: higher" in result.output
    assert "decide_working_days = 15" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text("[time_limits]\nacknowledge_working_days = -1\n")
    result = CliRunner().invoke(appeals, ["check", str(bad)])
    assert result.exit_code == 2
    assert "time_limits.acknowledge_working_days: give a whole number of 1 or more, not -1" in result.output


def test_due_skips_christmas_and_boxing_day():
    result = CliRunner().invoke(appeals, ["due", "--from", "2026-12-23", "--days", "3"])
    assert result.output.strip() == "2026-12-30"
