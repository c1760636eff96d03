"""The solution workbook opens in a real spreadsheet client (LibreOffice), chart and all."""
import shutil
import subprocess

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it)")
def test_solution_opens_in_libreoffice(tmp_path, default_case):
    out = default_case.copy_solution(tmp_path / "plan.xlsx")  # the default case's solution (solved once per session)
    profile = tmp_path / "lo-profile"
    cmd = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "csv:Text - txt - csv "
           "(StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", str(tmp_path / "csv"), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    sheets = {p.name for p in (tmp_path / "csv").iterdir()}
    # one CSV per sheet, named <file>-<sheet>.csv: every solution sheet was readable
    for name in ("summary", "route_flows", "leg_use", "processing", "deliveries", "licences", "decisions"):
        assert f"plan-{name}.csv" in sheets, sorted(sheets)
    summary = (tmp_path / "csv" / "plan-summary.csv").read_text()
    assert "optimal" in summary and "input_sha256" in summary
