"""The headless config file: errors name the key and the line and say what is expected; the
key-line scanner; --help carries the exit-code table; the README documents the same codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from wizard.commands.config import ConfigError, load_config
from wizard.commands.exit_codes import Exit, markdown_table
from wizard.commands.toml_lines import key_lines

ROOT = Path(__file__).resolve().parents[1]
GOOD = """\
[okta]
org_url = "https://acme.okta.com"

[kandji]
scim_base_url = "https://acme.api.kandji.io/api/v1/scim"

[test_user]
login = "taylor.test@acme.com"
"""


def problems(tmp_path: Path, text: str, **options) -> list[str]:
    path = tmp_path / "setup.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, **options)
    return caught.value.problems


def test_a_good_config_loads_with_defaults(tmp_path) -> None:
    path = tmp_path / "setup.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.okta.org_url == "https://acme.okta.com" and config.app.label == "Kandji SCIM App"
    assert config.group.name == "Kandji Users" and not config.users_already_exist
    assert config.apply.console_timeout == 300


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('auth = "token"', "line 2: okta.auth: expected 'api_token' or 'oauth', got 'token'"),
        ("tokn = 1", "line 2: unknown key okta.tokn; expected one of: org_url, auth"),
        ("custom_domain = 'maybe'", "line 2: okta.custom_domain: expected a valid boolean"),
    ],
)
def test_errors_name_the_key_and_the_line(tmp_path, line, expected) -> None:
    found = problems(tmp_path, GOOD.replace("[okta]\n", f"[okta]\n{line}\n"))
    assert any(expected in problem for problem in found), found


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (
            "[apply]\nconsole_timeout = -5\n",
            "line 11: apply.console_timeout: expected greater than or equal to 0",
        ),
        ('[app]\nlabel = ""\n', "line 11: app.label: expected at least 1 character, got ''"),
        (
            "[group]\n\n# the name\nnam = 'x'\n",
            "line 13: unknown key group.nam; expected one of: name, description",
        ),
        ("[typo]\n", "line 10: unknown key typo; expected one of: okta, kandji, app, group"),
    ],
)
def test_errors_in_later_tables_name_their_line(tmp_path, tail, expected) -> None:
    found = problems(tmp_path, GOOD + "\n" + tail)
    assert any(expected in problem for problem in found), found


def test_an_array_element_is_named_by_index(tmp_path) -> None:
    text = GOOD.replace('[test_user]\nlogin = "taylor.test@acme.com"\n', "")
    text += "[existing_users]\nlogins = [\n  'a@b.c',\n  3,\n]\n"
    found = problems(tmp_path, text)
    assert any("line 8: existing_users.logins[1]: expected a valid string, got 3" in p for p in found), found


def test_bad_values_are_explained(tmp_path) -> None:
    text = GOOD.replace("https://acme.okta.com", "https://acme-admin.okta.com").replace(
        "taylor.test@acme.com", "taylor"
    )
    found = problems(tmp_path, text)
    assert any("line 2: okta.org_url: That is the Admin Console host" in p for p in found), found
    assert any("line 8: test_user.login: expected an Okta login shaped like an email" in p for p in found)


def test_missing_keys_and_tables(tmp_path) -> None:
    found = problems(tmp_path, "[okta]\nauth = 'api_token'\n")
    assert any("line 1: missing required key okta.org_url: add it in [okta]" in p for p in found), found
    assert any("missing required key kandji: add it at the top level" in p for p in found), found


def test_both_user_tables_and_oauth_without_client_id(tmp_path) -> None:
    text = GOOD.replace("[okta]\n", "[okta]\nauth = 'oauth'\n") + "[existing_users]\nlogins = []\n"
    found = problems(tmp_path, text)
    assert any("line 3:" in p and "needs okta.client_id" in p for p in found) or any(
        "not both" in p for p in found
    ), found


def test_a_secret_in_the_config_is_refused_with_where_it_belongs(tmp_path) -> None:
    token = "00" + "aB3" * 14
    found = problems(tmp_path, GOOD.replace("[okta]\n", f'[okta]\nclient_id = "{token}"\n'))
    assert any(
        "line 2: okta.client_id: this looks like a token" in p and "OKTA_API_TOKEN" in p for p in found
    )
    assert not any(token in p for p in found)


def test_toml_syntax_error_and_missing_file(tmp_path) -> None:
    assert "at line 2" in problems(tmp_path, "[okta]\norg_url = \n")[0]
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


def test_loopback_urls_need_the_flag(tmp_path) -> None:
    text = GOOD.replace("https://acme.okta.com", "http://127.0.0.1:8080").replace(
        "https://acme.api.kandji.io", "http://127.0.0.1:9090"
    )
    assert any("--allow-insecure-loopback" in p for p in problems(tmp_path, text))
    path = tmp_path / "setup.toml"
    assert load_config(path, allow_insecure_loopback=True).okta.org_url == "http://127.0.0.1:8080"


def test_key_lines_skip_multiline_values_and_comments() -> None:
    text = '''\
top = 1 # comment
[a]
x = """
fake = 2
[not.a.table]
"""
y = [
  "z = 3",  # not a key
  { inner = 4 },
]
"quoted key" = 5
[b.c]
d.e = 6
[[f]]
g = 7
'''
    lines = key_lines(text)
    assert lines[("top",)] == 1 and lines[("a",)] == 2 and lines[("a", "x")] == 3
    assert lines[("a", "y")] == 7 and lines[("a", "quoted key")] == 11
    assert lines[("b", "c", "d", "e")] == 13 and lines[("f", "g")] == 15
    assert ("a", "fake") not in lines and ("not", "a", "table") not in lines and ("a", "z") not in lines


def test_bad_config_exits_with_the_usage_code(cli, tmp_path) -> None:
    path = tmp_path / "setup.toml"
    path.write_text(GOOD.replace("[okta]\n", "[okta]\nauth = 'token'\n"))
    for command in ("apply", "plan"):
        result = cli(command, "--config", str(path), "--yes" if command == "apply" else "--json")
        assert result.code == Exit.USAGE, command
        assert f"{path} line 2: okta.auth: expected" in result.err and "Traceback" not in result.err


COMMANDS = ("status", "plan", "apply", "verify", "report", "support-bundle", "forget", "undo")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_its_exit_codes(cli, command) -> None:
    with pytest.raises(SystemExit) as done:
        cli(command, "--help")
    assert done.value.code == 0


@pytest.mark.parametrize("command", COMMANDS)
def test_help_text_lists_exit_codes(capsys, command) -> None:
    from wizard.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--help"])
    text = capsys.readouterr().out
    assert "exit status:" in text and "  0  success" in text and "130  interrupted" in text


def test_readme_documents_the_same_exit_codes() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Headless use" in readme
    assert markdown_table() in readme


def test_secrets_are_never_arguments() -> None:
    import re

    from wizard.cli import build_parser

    subparsers = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    options = [option for parser in subparsers.choices.values() for option in parser._option_string_actions]
    assert "--secrets-stdin" in options
    assert [o for o in options if re.search(r"token|password|passwd|private|key", o)] == []


def test_the_readme_example_config_is_valid(tmp_path) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Headless use") :]
    example = section[section.index("```toml\n") + 8 : section.index("```\n", section.index("```toml"))]
    path = tmp_path / "setup.toml"
    path.write_text(example)
    config = load_config(path)
    assert config.okta.org_url == "https://acme.okta.com" and config.test_user is not None
