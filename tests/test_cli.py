"""``twilio-metrics``: library, check and preview through their command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tap_twilio_metrics.cli import main
from tap_twilio_metrics.library import LIBRARY
from tests.conftest import run_tap, sim_config

if TYPE_CHECKING:
    from tap_twilio_metrics.simulator import Simulator

SCRIPT = Path(sys.executable).parent / "twilio-metrics"
WRONG = "not-the-secret"


def write_config(directory: Path, config: dict[str, Any]) -> str:
    path = directory / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return str(path)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_lines(out: str) -> dict[str, str]:
    """Map each checked subject to its status and detail."""
    lines = [line for line in out.splitlines() if line and not line[0].isspace()]
    return {
        line.split()[0]: line.split(maxsplit=1)[1]
        for line in lines
        if " checked: " not in line
    }


def table_rows(out: str, title: str) -> list[list[str]]:
    """Return the cells of the table printed under ``title``, split on spaces."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title)) + 3
    rows = []
    for line in lines[start:]:
        if "  " not in line:
            break
        rows.append(line.split())
    return rows


# -- library -------------------------------------------------------------------


def test_library_lists_every_metric_with_its_endpoint_and_aggregation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["library"], capsys)

    assert code == 0
    assert out.splitlines()[0].split() == [
        "name",
        "endpoint",
        "value",
        "aggregation",
        "trend",
        "unit",
    ]
    for name in LIBRARY:
        assert any(line.startswith(f"{name} ") for line in out.splitlines()), name
    assert "sms_spend *" in out
    assert "monitor.twilio.com/v1/Alerts" in out


def test_library_as_json_gives_every_full_definition(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["library", "--format", "json"], capsys)

    rows = json.loads(out)
    assert code == 0
    assert [row["name"] for row in rows] == list(LIBRARY)
    assert rows[0]["path"] == LIBRARY[rows[0]["name"]]["path"]


# -- check ---------------------------------------------------------------------


def test_check_passes_a_good_config_with_one_line_per_metric(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["messages_by_status", "alerts_by_error_code", "account_balance"]
    config = write_config(tmp_path, sim_config(simulator, library_metrics=names))

    code, out, _ = run(["check", "--config", config], capsys)

    lines = check_lines(out)
    assert code == 0
    assert list(lines) == ["credentials", *names]
    assert all(line.startswith("OK") for line in lines.values())
    assert "first page has" in lines["messages_by_status"]
    assert "4 checked: all OK" in out


def test_check_refuses_a_bad_credential_with_a_clear_message(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path,
        sim_config(simulator, api_key_secret=WRONG, library_metrics=["sms_spend"]),
    )

    code, out, err = run(["check", "--config", config], capsys)

    lines = check_lines(out)
    assert code == 1
    assert lines["credentials"].startswith("FAIL")
    assert "HTTP 401" in lines["credentials"]
    assert "check account_sid and the API key pair" in lines["credentials"]
    assert lines["sms_spend"] == "FAIL  not requested: the credentials were refused"
    assert WRONG not in out + err


def test_check_shows_where_a_bad_jsonata_expression_fails(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = {"name": "broken", "library": "sms_spend", "value": "price ? -$number("}
    config = write_config(
        tmp_path,
        sim_config(simulator, library_metrics=["sms_spend"], metrics=[broken]),
    )

    code, out, _ = run(["check", "--config", config], capsys)

    lines = check_lines(out)
    assert code == 1
    assert lines["sms_spend"].startswith("OK")
    assert lines["broken"].startswith("FAIL")
    assert "value is not valid JSONata" in lines["broken"]
    assert "price ? -$number(\n" in out
    assert "^" in out


def test_check_reports_each_bad_metric_not_only_the_first(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    metrics = [
        {"name": "no_value", "path": "/2010-04-01/Accounts/{account_sid}/Calls.json"},
        {"name": "posting", "library": "sms_spend", "method": "POST"},
    ]
    config = write_config(tmp_path, sim_config(simulator, metrics=metrics))

    code, out, _ = run(["check", "--config", config], capsys)

    lines = check_lines(out)
    assert code == 1
    assert "value is required" in lines["no_value"]
    assert "method 'POST' refused" in lines["posting"]


def test_check_reports_a_metric_whose_first_request_is_refused(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = {"name": "texts", "path": "/2010-04-01/Accounts/{account_sid}/Texts.json"}
    missing["value"] = "1"
    config = write_config(tmp_path, sim_config(simulator, metrics=[missing]))

    code, out, _ = run(["check", "--config", config], capsys)

    lines = check_lines(out)
    assert code == 1
    assert lines["credentials"].startswith("OK")
    assert "HTTP 404" in lines["texts"]
    assert "check the metric's base_url and path" in lines["texts"]


def test_check_reports_a_setting_outside_the_metrics_once(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sim_config(simulator, account_sid="AC123"))

    code, out, _ = run(["check", "--config", config], capsys)

    assert code == 1
    assert list(check_lines(out)) == ["config"]
    assert "account_sid: expected an account SID" in out


def test_check_reports_a_name_used_twice(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    twice = {"name": "sms_spend", "library": "sms_spend"}
    config = write_config(
        tmp_path, sim_config(simulator, library_metrics=["sms_spend"], metrics=[twice])
    )

    code, out, _ = run(["check", "--config", config, "--offline"], capsys)

    assert code == 1
    assert "config" in check_lines(out)
    assert "is used by two metrics" in out


def test_check_offline_sends_no_request(
    private_simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sim_config(private_simulator))

    code, out, _ = run(["check", "--config", config, "--offline"], capsys)

    assert code == 0
    assert "credentials" not in check_lines(out)
    assert private_simulator.requests == []


def test_check_of_a_missing_file_is_one_line_and_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["check", "--config", str(tmp_path / "nope.json")], capsys)

    assert code == 1
    assert out == ""
    assert err.startswith("twilio-metrics: --config ")
    assert err.count("\n") == 1


# -- preview -------------------------------------------------------------------


def test_preview_shows_the_jsonata_records_datapoints_and_values(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sim_config(simulator))

    code, out, _ = run(
        ["preview", "messages_by_status", "--config", config, "--records", "4"],
        capsys,
    )

    assert code == 0
    assert '{"value": 1, "dimension": status, "date": date_sent}' in out
    assert len(table_rows(out, "Raw records")) == 4
    datapoints = table_rows(out, "Datapoints")
    assert len(datapoints) == 4
    assert all(row[0].startswith("SM") and row[1] == "1" for row in datapoints)
    assert "Values (count):" in out


def test_preview_values_equal_what_a_sync_of_the_same_days_emits(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = sim_config(simulator, library_metrics=["sms_spend_by_country"])
    synced = run_tap({**config, "start_date": "2024-03-28T00:00:00Z"})
    path = write_config(tmp_path, config)

    code, out, _ = run(
        ["preview", "sms_spend_by_country", "--config", path, "--days", "3"], capsys
    )

    shown = {(row[0], row[1]): float(row[2]) for row in table_rows(out, "Values (sum)")}
    expected = {
        (date, dimension): value
        for (_, date, dimension), value in synced.values("sms_spend_by_country").items()
    }
    assert code == 0
    assert shown == pytest.approx(expected, abs=1e-6)


def test_preview_writes_no_singer_messages(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sim_config(simulator))

    _, out, _ = run(["preview", "sms_spend", "--config", config], capsys)

    assert '"type"' not in out
    assert "STATE" not in out


def test_preview_runs_a_library_metric_the_config_does_not_enable(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path, sim_config(simulator, library_metrics=["sms_spend"])
    )

    code, out, _ = run(["preview", "recording_minutes", "--config", config], capsys)

    assert code == 0
    assert "metric recording_minutes (from library 'recording_minutes')" in out


def test_preview_of_an_unknown_metric_suggests_the_closest_name(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, sim_config(simulator))

    code, out, err = run(["preview", "sms_spnd", "--config", config], capsys)

    assert code == 1
    assert out == ""
    assert "metric 'sms_spnd' is neither in the config nor in the library" in err
    assert "did you mean 'sms_spend'?" in err


def test_preview_suggests_a_configured_custom_metric_too(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    custom = {"name": "vip_messages", "library": "messages_sent"}
    config = write_config(tmp_path, sim_config(simulator, metrics=[custom]))

    code, _, err = run(["preview", "vip_mesages", "--config", config], capsys)

    assert code == 1
    assert "did you mean 'vip_messages'?" in err


def test_preview_of_a_bad_expression_shows_where_it_fails(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = {"name": "broken", "library": "sms_spend", "dimension": "to ? ? from"}
    config = write_config(tmp_path, sim_config(simulator, metrics=[broken]))

    code, out, err = run(["preview", "broken", "--config", config], capsys)

    assert code == 1
    assert out == ""
    assert "metric 'broken': dimension is not valid JSONata" in err
    assert "Traceback" not in err


def test_preview_points_at_a_field_no_record_has(
    simulator: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = {"name": "typo", "library": "message_segments", "value": "$number(segs)"}
    config = write_config(tmp_path, sim_config(simulator, metrics=[typo]))

    code, out, _ = run(["preview", "typo", "--config", config], capsys)

    assert code == 0
    assert "No record has the field(s) segs: a typo?" in out
    assert "skipped: null value" in out


def test_preview_refuses_zero_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["preview", "sms_spend", "--config", str(tmp_path), "--days", "0"])

    assert stopped.value.code == 2
    assert "expected a whole number of at least 1" in capsys.readouterr().err


# -- help and the installed script ---------------------------------------------


@pytest.mark.parametrize("command", ["library", "check", "preview", "simulator"])
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"])

    out = capsys.readouterr().out
    assert stopped.value.code == 0
    assert "example" in out
    assert f"twilio-metrics {command}" in out


def test_the_installed_script_checks_a_config(
    simulator: Simulator, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path, sim_config(simulator, library_metrics=["sms_spend"])
    )

    done = subprocess.run(
        [str(SCRIPT), "check", "--config", config],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "2 checked: all OK" in done.stdout


def test_the_installed_script_exits_non_zero_on_a_bad_credential(
    simulator: Simulator, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path,
        sim_config(simulator, auth_token=WRONG, api_key_sid=None, api_key_secret=None),
    )

    done = subprocess.run(
        [str(SCRIPT), "check", "--config", config],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert check_lines(done.stdout)["credentials"].startswith("FAIL  refused by ")
    assert "Traceback" not in done.stderr
