"""The one pager, seen from the wire (``httpx.MockTransport``): offset listings ask for ``skip`` 0, 100,
200 ... in the SDK's query text until a short page; cursor listings send a null cursor, then each
``endCursor``, until there is none. Every request carries the SDK's headers."""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson

from lb_export_pipeline.labelbox import ClientConfig, LabelboxClient


def _client(pages: dict[Any, dict[str, Any]], seen: list[dict[str, Any]], key: Any) -> LabelboxClient:
    def answer(request: httpx.Request) -> httpx.Response:
        body = orjson.loads(request.content)
        seen.append({"body": body, "headers": request.headers})
        return httpx.Response(200, content=orjson.dumps({"data": pages[key(body)]}))

    config = ClientConfig.create("paging-key-8642", "http://labelbox.test/graphql")
    return LabelboxClient(config=config, http=httpx.Client(transport=httpx.MockTransport(answer)))


def _skip(body: dict[str, Any]) -> int:
    found = re.search(r"skip: (\d+)", body["query"])
    assert found is not None
    return int(found.group(1))


def test_offset_paging_walks_skip_until_a_short_page() -> None:
    def models(start: int, count: int) -> list[dict[str, Any]]:
        return [{"id": f"m-{i}", "name": f"model {i}", "ontologyId": None} for i in range(start, start + count)]

    pages = {0: {"models": models(0, 100)}, 100: {"models": models(100, 100)}, 200: {"models": models(200, 7)}}
    seen: list[dict[str, Any]] = []
    client = _client(pages, seen, _skip)
    listed = list(client.list_models())
    assert [m.id for m in listed] == [f"m-{i}" for i in range(207)]
    assert [s["body"]["query"] for s in seen] == [
        f"query GetModelsPyApi{{models(skip: {skip} first: 100){{name ontologyId id}}}}" for skip in (0, 100, 200)]
    headers = seen[0]["headers"]
    assert headers["Authorization"] == "Bearer paging-key-8642" and headers["X-SDK-Method"] == "Client:get_models"
    assert headers["Content-Type"] == "application/json" and "python-sdk compatible" in headers["X-User-Agent"]


def test_a_full_last_page_costs_one_empty_request() -> None:
    pages = {0: {"models": [{"id": f"m-{i}", "name": "", "ontologyId": None} for i in range(100)]},
             100: {"models": []}}
    seen: list[dict[str, Any]] = []
    client = _client(pages, seen, _skip)
    assert len(list(client.list_models())) == 100 and len(seen) == 2


def test_cursor_paging_follows_end_cursor_from_a_null_start() -> None:
    def nodes(start: int, count: int) -> list[dict[str, Any]]:
        return [{"id": f"ag-{i}", "dataSplit": "TRAINING", "dataRow": {"id": f"dr-{i}", "globalKey": None}}
                for i in range(start, start + count)]

    pages = {None: {"annotationGroups": {"nodes": nodes(0, 100), "pageInfo": {"endCursor": "c-1"}}},
             "c-1": {"annotationGroups": {"nodes": nodes(100, 100), "pageInfo": {"endCursor": "c-2"}}},
             "c-2": {"annotationGroups": {"nodes": nodes(200, 3), "pageInfo": {"endCursor": None}}}}
    seen: list[dict[str, Any]] = []
    client = _client(pages, seen, lambda body: body["variables"]["from"])
    rows = list(client.list_model_run_data_rows("run-1"))
    assert [r.data_row_id for r in rows] == [f"dr-{i}" for i in range(203)]
    assert {r.split for r in rows} == {"TRAINING"}
    assert [s["body"]["variables"] for s in seen] == [
        {"modelRunId": "run-1", "from": cursor, "first": 100} for cursor in (None, "c-1", "c-2")]
    assert all(s["headers"]["X-SDK-Method"] == "ModelRun:model_run_data_rows" for s in seen)
