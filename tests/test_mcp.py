"""The MCP server: `casechat mcp` over stdio and /mcp on the chat server, through the SDK's
own client, as an assistant would call it."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator

import pytest
from conftest import KL_REPORT, casechat_command
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from served import Served, serve_copy

from base.settings import Settings

ODENSE = "Hvordan har Odense udviklet ledernes digitale kompetencer?"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:gradio.queueing")


def stdio_server(settings: Settings) -> StdioServerParameters:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "CASECHAT_MODEL": "hashing",
        "CASECHAT_INDEX_DIR": str(settings.index_dir),
        "CASECHAT_CORPUS_DIR": str(settings.corpus_dir),
    }
    return StdioServerParameters(command=casechat_command(), args=["mcp"], env=env)


async def conversation(server) -> dict:
    """What an assistant sees: the tool list, a search, a refused search, the documents."""
    async with Client(server, read_timeout_seconds=60) as client:
        tools = (await client.list_tools()).tools
        found = await client.call_tool("search_cases", {"question": ODENSE, "k": 2})
        filtered = await client.call_tool(
            "search_cases", {"question": "digital ledelse", "municipalities": ["Herning"]}
        )
        refused = await client.call_tool("search_cases", {"question": ODENSE, "k": 40})
        documents = await client.call_tool("list_documents", {})
    return dict(tools=tools, found=found, filtered=filtered, refused=refused, docs=documents)


def check(seen: dict) -> None:
    tools = {t.name: t for t in seen["tools"]}
    assert set(tools) == {"search_cases", "list_documents"}
    search = tools["search_cases"]
    assert "Søg i casene" in search.description and "English:" in search.description
    assert {"question", "k", "municipalities"} == set(search.input_schema["properties"])
    assert search.input_schema["required"] == ["question"]
    assert "English:" in tools["list_documents"].description

    found = seen["found"]
    assert not found.is_error
    body = found.structured_content
    assert body["verdict"] in ("answer", "nearest") and len(body["results"]) == 2
    assert body["results"][0]["source"] == KL_REPORT and body["short_answer"]
    rows = seen["filtered"].structured_content["results"]
    assert rows and all("Herning" in r["municipalities"] for r in rows)

    refused = seen["refused"]
    assert refused.is_error and "fra 1 til 10" in refused.content[0].text
    assert "Traceback" not in refused.content[0].text

    docs = seen["docs"].structured_content["documents"]
    assert KL_REPORT in {d["source"] for d in docs}


def test_stdio_server_through_the_sdk_client(built: Settings) -> None:
    check(asyncio.run(conversation(stdio_server(built))))


def test_stdio_server_without_an_index_exits_with_one_danish_line(settings: Settings) -> None:
    params = stdio_server(settings)
    done = subprocess.run(
        [params.command, *params.args], env=params.env, input="", capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("Fejl: ") and "casechat build" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def served(built_template: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = serve_copy(built_template, tmp_path_factory.mktemp("mcp-http"))
    yield running
    running.close()


def test_streamable_http_on_the_chat_server(served: Served) -> None:
    check(asyncio.run(conversation(served.url + "mcp")))
