"""`phb governance check` names every problem in a file and exits non-zero; a good file passes."""

from click.testing import CliRunner

from phb.governance.cli import governance
from phb.governance.services import DEFAULT_FRAMEWORK_PATH


def test_check_refuses_a_bad_file_with_the_exact_problem(tmp_path):
    bad = tmp_path / "framework.toml"
    bad.write_text(
        DEFAULT_FRAMEWORK_PATH.read_text().replace('levels.3 = ["direct_payments_officer"]', "levels.3 = []")
    )
    result = CliRunner().invoke(governance, ["check", str(bad)])
    assert result.exit_code == 2
    assert "decision 'financial_audit', level 3: no roles are listed; name at least one role or remove the level" in (
        result.output
    )


def test_check_accepts_the_default_file():
    result = CliRunner().invoke(governance, ["check", str(DEFAULT_FRAMEWORK_PATH)])
    assert result.exit_code == 0
    assert "valid (Example governance framework" in result.output
