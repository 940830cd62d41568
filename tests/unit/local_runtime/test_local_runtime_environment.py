"""The one environment for in-process functions: precedence, runtime endpoints and the token secret."""

from __future__ import annotations

from pathlib import Path

from a2g_local.environment import Endpoints, build_environment, public_view, read_dotenv
from a2g_local.template import load_template

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "e2e" / "fixtures" / "runtime_template" / "template.yaml"
ENDPOINTS = Endpoints(public_url="http://127.0.0.1:4000", dynamodb_url="http://127.0.0.1:4001",
                      s3_url="http://127.0.0.1:4000/_s3", ws_management_url="http://127.0.0.1:4000/test")


def test_precedence_template_then_dotenv_then_process(tmp_path: Path) -> None:
    template = load_template(FIXTURE, environ={})
    env = build_environment(template, process_env={"STAGE": "from-process"},
                            dotenv={"STAGE": "from-dotenv", "GREETING": "from-dotenv", "EXTRA": "x"},
                            endpoints=ENDPOINTS, data_dir=tmp_path, own_stores=True)
    assert env["KV_TABLE"] == "a2g-KvTable"  # template
    assert env["GREETING"] == "from-dotenv"  # .env beats the template
    assert env["STAGE"] == "from-process"  # the process beats .env
    assert env["EXTRA"] == "x"
    assert env["A2G_ENV"] == "local" and env["A2G_PUBLIC_URL"] == "http://127.0.0.1:4000"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:4001"
    assert env["AWS_ENDPOINT_URL_S3"] == env["A2G_S3_PUBLIC_ENDPOINT_URL"] == "http://127.0.0.1:4000/_s3"
    assert env["A2G_WS_MANAGEMENT_URL"] == "http://127.0.0.1:4000/test"
    assert env["AWS_ACCESS_KEY_ID"] == "local" and env["AWS_REGION"] == "us-east-1"


def test_runtime_endpoints_win_over_the_template_but_public_url_can_be_set(tmp_path: Path) -> None:
    template = load_template(Path(__file__).resolve().parents[3] / "template.yaml", environ={},
                             allow_missing_functions=True)
    assert template.environment["A2G_ENV"] == "aws"
    env = build_environment(template, process_env={"A2G_PUBLIC_URL": "https://a2g.example"}, dotenv={},
                            endpoints=ENDPOINTS, data_dir=tmp_path, own_stores=True)
    assert env["A2G_ENV"] == "local"
    assert env["A2G_WS_MANAGEMENT_URL"] == "http://127.0.0.1:4000/test"  # not the template's execute-api URL
    assert env["A2G_PUBLIC_URL"] == "https://a2g.example"
    assert env["A2G_USERS_TABLE"] == "a2g-UsersTable"


def test_token_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    template = load_template(FIXTURE, environ={})
    first = build_environment(template, process_env={}, dotenv={}, endpoints=ENDPOINTS, data_dir=tmp_path,
                              own_stores=True)["A2G_TOKEN_SECRET"]
    again = build_environment(template, process_env={}, dotenv={}, endpoints=ENDPOINTS, data_dir=tmp_path,
                              own_stores=True)["A2G_TOKEN_SECRET"]
    assert len(first) >= 32 and first == again
    assert (tmp_path / "token-secret").stat().st_mode & 0o777 == 0o600
    given = build_environment(template, process_env={"A2G_TOKEN_SECRET": "s" * 40}, dotenv={}, endpoints=ENDPOINTS,
                              data_dir=tmp_path, own_stores=True)
    assert given["A2G_TOKEN_SECRET"] == "s" * 40
    assert public_view(given)["A2G_TOKEN_SECRET"] == "***"


def test_aws_mode_sets_no_local_store_endpoints(tmp_path: Path) -> None:
    template = load_template(FIXTURE, environ={})
    endpoints = Endpoints("http://127.0.0.1:4000", None, None, "http://127.0.0.1:4000/test")
    env = build_environment(template, process_env={}, dotenv={}, endpoints=endpoints, data_dir=tmp_path,
                            own_stores=False)
    assert "AWS_ENDPOINT_URL_DYNAMODB" not in env and "AWS_ACCESS_KEY_ID" not in env
    assert env["A2G_WS_MANAGEMENT_URL"] == "http://127.0.0.1:4000/test"


def test_read_dotenv(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# comment\nA=1\nB='two words'\nexport C=3\n")
    assert read_dotenv(path) == {"A": "1", "B": "two words", "C": "3"}
    assert read_dotenv(tmp_path / "missing") == {}
