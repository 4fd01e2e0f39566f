"""Big layers sent as files (spaces/view/layer_files.py): same content, same URL; what is written is what the
chart would have held; old files go first when the folder is full; a folder that cannot be written keeps the
layer inline."""

import json
import os

import pydeck as pdk

from spaces.view.layer_files import LayerFiles, layer_json


def _records(count: int, name: str = "园区") -> list[dict]:
    return [{"id": f"P{i}", "title": f"{name}{i}", "polygon": [[121.5 + i / 1e4, 29.8], [121.6, 29.9], [121.5, 29.9]]}
            for i in range(count)]


def _files(tmp_path, **kwargs) -> LayerFiles:
    return LayerFiles(tmp_path / "map-data", "app/static/map-data/", **kwargs)


def test_a_big_layer_becomes_a_url_to_a_file_holding_exactly_its_data(tmp_path):
    files = _files(tmp_path, min_bytes=1_000)
    records = _records(200, name="<b>宁波</b>")
    url = files.url_for(records)
    assert url.startswith("app/static/map-data/") and url.endswith(".json")
    body = (tmp_path / "map-data" / url.removeprefix("app/static/map-data/")).read_bytes()
    assert json.loads(body) == records and body == layer_json(records)
    assert "宁波".encode() in body  # UTF-8, not \\u escapes: half the bytes for Chinese names


def test_a_small_layer_stays_inline(tmp_path):
    files = _files(tmp_path, min_bytes=10_000)
    assert files.url_for(_records(3)) is None
    assert not (tmp_path / "map-data").exists()


def test_the_same_content_gives_the_same_url_and_is_written_once(tmp_path):
    files = _files(tmp_path, min_bytes=100)
    first = files.url_for(_records(50))
    path = tmp_path / "map-data" / first.rsplit("/", 1)[1]
    os.utime(path, (1_000_000, 1_000_000))
    assert files.url_for(_records(50)) == first  # a rerun that changed nothing: deck.gl sees the same string
    assert path.stat().st_mtime > 1_000_000  # used again: the newest, the last to be pruned
    assert files.url_for(_records(51)) != first
    assert len(list((tmp_path / "map-data").iterdir())) == 2  # no temporary file left behind


def test_publish_replaces_the_data_of_big_layers_only(tmp_path):
    files = _files(tmp_path, min_bytes=2_000)
    big = pdk.Layer("PolygonLayer", data=_records(100), id="plots")
    small = pdk.Layer("PolygonLayer", data=_records(2), id="few")
    path = pdk.Layer("PathLayer", data=[{"path": [[121.0, 29.0], [121.1, 29.1]]}], id="window")
    files.publish([big, small, path])
    assert isinstance(big.data, str) and isinstance(small.data, list) and isinstance(path.data, list)
    deck = json.loads(pdk.Deck(layers=[big, small]).to_json())
    assert deck["layers"][0]["data"] == big.data  # pydeck sends the URL; deck.gl fetches it


def test_pruning_deletes_the_least_recently_used_first_and_never_the_file_just_written(tmp_path):
    files = _files(tmp_path, min_bytes=100, keep_bytes=10**9)
    urls = [files.url_for(_records(60 + i)) for i in range(4)]
    paths = [tmp_path / "map-data" / url.rsplit("/", 1)[1] for url in urls]
    for age, path in enumerate(paths):  # last used: paths[0] most recently, paths[3] longest ago
        os.utime(path, (2_000_000 - age * 1000, 2_000_000 - age * 1000))
    size = paths[0].stat().st_size
    tight = _files(tmp_path, min_bytes=100, keep_bytes=int(size * 2.5))
    removed = tight.prune(keep=paths[3])
    assert removed == [paths[2], paths[1]]  # oldest first, skipping the kept one though it is the oldest
    assert paths[3].exists() and paths[0].exists()


def test_a_folder_that_cannot_be_written_keeps_the_layer_inline(tmp_path, caplog):
    (tmp_path / "blocked").write_text("a file where the folder should be")
    files = LayerFiles(tmp_path / "blocked" / "map-data", "app/static/map-data/", min_bytes=100)
    layer = pdk.Layer("PolygonLayer", data=_records(50), id="plots")
    files.publish([layer])
    assert isinstance(layer.data, list) and len(layer.data) == 50
    assert "kept inline" in caplog.text


def test_the_same_cached_object_is_not_serialised_again_but_a_pruned_file_is_written_again(tmp_path, monkeypatch):
    from spaces.view import layer_files

    calls = []
    monkeypatch.setattr(layer_files, "layer_json", lambda data: calls.append(1) or layer_json(data))
    files = _files(tmp_path, min_bytes=100)
    records = _records(80)
    url = files.url_for(records)
    assert files.url_for(records) == url and len(calls) == 1  # a rerun handing the cached list again: no work
    assert files.url_for(_records(80)) == url and len(calls) == 2  # an equal copy: serialised, same file
    (tmp_path / "map-data" / url.rsplit("/", 1)[1]).unlink()  # pruned meanwhile by another server process
    assert files.url_for(records) == url and len(calls) == 3
    assert (tmp_path / "map-data" / url.rsplit("/", 1)[1]).exists()
