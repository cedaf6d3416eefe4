"""The documentation site's generated pages (docs/hooks/cloudfn_docgen) follow the code they are built from."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "hooks"))

from cloudfn_docgen import DocgenError, cli, expand, model, pyapi, seeds  # noqa: E402

from cloudfn import spec  # noqa: E402
from cloudfn.cli import SUBCOMMANDS  # noqa: E402
from cloudfn.errors import ERR_CODE, TCB_ERR_CODE  # noqa: E402
from cloudfn.events import EVENT_ERR_CODE  # noqa: E402

SEEDS = ["bindAccount", "updatePrinter", "updatePrinterTagid", "updatePath"]


def test_api_reference_has_the_generated_method_table() -> None:
    table = model.render_table()
    assert "| [`addOrder`](#addorder) | business | POST | `/cgi-bin/express/business/order/add` |" in table
    assert len([line for line in table.splitlines() if line.startswith("| [`")]) == len(spec.methods()) == 16


def test_every_method_field_enum_limit_and_errcode_is_in_the_api_reference() -> None:
    text = model.render_methods()
    for name, m in spec.methods().items():
        assert f"\n### {name}\n" in text
        assert f"permission `logistics.{name}`" in text
        for code in m["errcodes"]:
            assert f"| {code} |" in text
    assert re.search(r"\| `orderId` \| string \| yes \| [^|]+ \| ≤ 512 bytes \(UTF-8\) \|", text)
    assert re.search(r"\| `updateType` \| string \| yes \| [^|]+ \| one of `bind`, `unbind`; wrong value: errcode 9300517 \|", text)
    assert "| `sender.tel` | string | one of `tel` / `mobile` |" in text
    assert "| `cargo.detailList[].name` |" in text
    assert "| `wxAppid` | string | when `addSource` = `2` |" in text
    assert "secret: masked in every message" in text  # bindAccount.password


def test_error_code_tables_list_every_code_of_the_sdk_gateway_and_pushes() -> None:
    text = model.render_error_codes()
    for code, description in ERR_CODE.items():
        assert f"| {code} | {description} |" in text
    for name, code in TCB_ERR_CODE.items():
        assert f"| `{name}` | {code} |" in text
    for code, description in EVENT_ERR_CODE.items():
        assert f"| {code} | {description} |" in text
    assert "| 9300531 | wrong account or password | [`bindAccount`](logistics.md#bindaccount) |" in text


def test_cli_reference_lists_every_command_and_every_option_of_its_parser() -> None:
    text = cli.render()
    for name in SUBCOMMANDS:
        assert f"\n## `cloudfn {name}`\n" in text
        for action in cli.parser_for(name)._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            shown = action.option_strings or [action.metavar or action.dest]
            for option in shown:
                assert f"`{option}`" in text, (name, option)
    assert "| `--port` `PORT` | `8765` |" in text


def test_cli_reference_follows_a_parser_change(monkeypatch: pytest.MonkeyPatch) -> None:
    import cloudfn.emulator.cli as emulator_cli

    original = emulator_cli.register

    def register(parser: argparse.ArgumentParser) -> None:
        original(parser)
        parser.add_argument("--brand-new", metavar="N", default=3, help="a %(default)s-step option")

    monkeypatch.setattr(emulator_cli, "register", register)
    assert "| `--brand-new` `N` | `3` | a 3-step option |" in cli.render_command("emulator")


@pytest.mark.parametrize("name", SEEDS)
def test_seed_pages_show_the_node_original_beside_the_port(name: str) -> None:
    node, python = seeds.split((ROOT / "functions" / name / "index.py").read_text(encoding="utf-8"))
    assert node.startswith("const cloud = require('wx-server-sdk')") and "exports.main" in node
    assert not any(line.startswith("#") for line in node.splitlines())
    assert python.startswith("import cloudfn as cloud") and "def main_handler(event, context):" in python
    page = seeds.render(name)
    assert page.index('```js title="Node') < page.index('```python title="Python')


def test_a_seed_without_its_node_original_fails() -> None:
    with pytest.raises(ValueError):
        seeds.split("import cloudfn as cloud\n")


def test_python_reference_renders_signatures_and_docstrings() -> None:
    text = pyapi.render(["cloudfn.init", "cloudfn.CloudSDKError"])
    assert "cloudfn.init(options: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> None" in text
    assert "- `to_dict() -> Result`: What `JSON.stringify(err)` gives in Node" in text


def test_markers_naming_what_does_not_exist_fail_the_build() -> None:
    with pytest.raises(DocgenError, match="unknown generator 'nope'"):
        expand("<!-- gen:nope -->\n")
    with pytest.raises(DocgenError, match=r"cloudfn\.no_such_thing"):
        expand("<!-- gen:python cloudfn.no_such_thing -->\n")
    with pytest.raises(DocgenError, match="gen:seed noSuchFunction"):
        expand("<!-- gen:seed noSuchFunction -->\n")
    assert expand("text <!-- gen:nope --> inline is left alone\n") == "text <!-- gen:nope --> inline is left alone\n"


def _pages() -> list:
    pages = (p.relative_to(ROOT / "docs") for p in (ROOT / "docs").rglob("*.md"))
    return sorted(p.as_posix() for p in pages if p.parts[0] not in ("hooks", "notes"))


@pytest.mark.parametrize("page", _pages())
def test_every_page_expands_and_is_in_the_nav(page: str) -> None:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    expanded = expand(text, where=page)
    assert not re.search(r"^<!-- gen:", expanded, re.MULTILINE)
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(rf":\s+{re.escape(page)}\s*$", nav, re.MULTILINE), f"{page} is not in mkdocs.yml nav"


def test_readme_is_a_short_front_page_with_venv_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && python -m cloudfn.quickstart" in text
    test_command = "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && python -m pytest"
    assert test_command in text
    assert test_command + " || status=$?" in (ROOT / ".ci" / "run").read_text(encoding="utf-8"), "CI must run the README's test command"


def test_cells_show_angle_brackets_and_keep_pipes_inside_the_cell() -> None:
    from cloudfn_docgen.text import cell

    assert cell("default dist/<name>.zip, ``a|b``\n  or c|d") == "default dist/&lt;name&gt;.zip, `a\\|b` or c\\|d"


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "default dist/NAME.zip in the project" in (tmp_path / "site" / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
