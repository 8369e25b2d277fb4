import io
import os
import struct
import time
import zipfile

import pytest

from articles.stories.uploads import (
    Upload,
    UploadedFixture,
    UploadError,
    UploadLimits,
    discard_upload,
    is_fixture_path,
    load_upload,
    purge_uploads,
    read_upload,
    store_upload,
)

STORY = b'---\ntitle: "A story"\noriginalUrl: "https://example.com/a"\n---\n'


def make_zip(members, *, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


DEFAULT_LIMITS = UploadLimits()


def upload(*files, limits=DEFAULT_LIMITS):
    return read_upload([(name, io.BytesIO(data)) for name, data in files], limits=limits)


@pytest.mark.parametrize(
    ("path", "taken"),
    [
        ("a.txt", True),
        ("dir/b.MD", True),
        ("c.yaml", True),
        ("d.yml", True),
        ("e.json", False),
        (".hidden.txt", False),
        ("dir/.git/config.txt", False),
        ("__MACOSX/dir/._a.txt", False),
        ("README", False),
    ],
)
def test_only_visible_fixture_files_are_taken(path, taken):
    assert is_fixture_path(path) is taken


def test_plain_files_are_taken_and_others_listed_as_skipped():
    result = upload(("one.txt", STORY), ("photo.jpg", b"\xff\xd8"), ("two.md", STORY))
    assert [item.name for item in result.files] == ["one.txt", "two.md"]
    assert result.skipped == ["photo.jpg"]
    assert result.files[0].sha256 == UploadedFixture("x", STORY).sha256


def test_a_client_supplied_path_is_reduced_to_its_name():
    result = upload(("../../etc/passwd.txt", STORY), ("C:\\Users\\me\\story.txt", STORY))
    assert [item.name for item in result.files] == ["passwd.txt", "story.txt"]


def test_zip_members_are_read_with_their_path_and_junk_is_skipped():
    archive = make_zip(
        {
            "stories/a.txt": STORY,
            "stories/b.yml": STORY,
            "stories/cover.png": b"png",
            "__MACOSX/stories/._a.txt": b"junk",
            "stories/.DS_Store": b"junk",
        }
    )
    result = upload(("batch.zip", archive))
    assert [item.name for item in result.files] == ["batch.zip/stories/a.txt", "batch.zip/stories/b.yml"]
    assert result.files[0].data == STORY
    assert result.skipped == [
        "batch.zip/stories/cover.png",
        "batch.zip/__MACOSX/stories/._a.txt",
        "batch.zip/stories/.DS_Store",
    ]


@pytest.mark.parametrize(
    "name", ["../evil.txt", "stories/../../evil.txt", "/etc/cron.d/evil.txt", "..\\evil.txt", "C:/evil.txt"]
)
def test_zip_slip_is_refused(name):
    archive = make_zip({"fine.txt": STORY, name: STORY})
    with pytest.raises(UploadError, match="refused"):
        upload(("slip.zip", archive))


def test_an_archive_declaring_too_much_is_refused_before_reading():
    limits = UploadLimits(max_expanded_bytes=100_000, max_file_bytes=10_000_000)
    archive = make_zip({"bomb.txt": b"\0" * 1_000_000})
    assert len(archive) < 10_000
    with pytest.raises(UploadError, match="zip bomb"):
        upload(("bomb.zip", archive), limits=limits)


def test_an_archive_lying_about_its_sizes_is_refused():
    data = b"A" * 200_000
    archive = bytearray(make_zip({"liar.txt": data}))
    # Declare 100 bytes where 200,000 come out, in the local and the central header.
    local = archive.find(b"PK\x03\x04")
    struct.pack_into("<I", archive, local + 22, 100)
    central = archive.find(b"PK\x01\x02")
    struct.pack_into("<I", archive, central + 24, 100)
    with pytest.raises(UploadError) as refused:
        upload(("liar.zip", bytes(archive)))
    assert "liar.zip" in str(refused.value)


def test_a_member_larger_than_the_file_limit_is_an_error_not_read():
    limits = UploadLimits(max_file_bytes=1000)
    result = upload(("big.zip", make_zip({"big.txt": b"x" * 5000, "ok.txt": STORY})), limits=limits)
    assert [item.name for item in result.files] == ["big.zip/ok.txt"]
    assert result.errors == [("big.zip/big.txt", "larger than the limit of 1,000 bytes for one file")]


def test_a_plain_file_larger_than_the_file_limit_is_an_error():
    result = upload(("big.txt", b"x" * 2000), limits=UploadLimits(max_file_bytes=1000))
    assert result.files == [] and result.errors[0][0] == "big.txt"


def test_the_total_upload_size_is_limited():
    with pytest.raises(UploadError, match="more than the limit of 1.0 KB"):
        upload(("a.txt", b"x" * 600), ("b.txt", b"x" * 600), limits=UploadLimits(max_total_bytes=1024))


def test_the_number_of_fixture_files_is_limited_archives_included():
    archive = make_zip({f"{n}.txt": STORY for n in range(4)})
    with pytest.raises(UploadError, match="more than 3 fixture files"):
        upload(("many.zip", archive), limits=UploadLimits(max_files=3))


def test_the_number_of_archive_entries_is_limited():
    archive = make_zip({f"{n}.png": b"" for n in range(6)})
    with pytest.raises(UploadError, match="6 entries"):
        upload(("many.zip", archive), limits=UploadLimits(max_archive_members=5))


def test_a_file_named_zip_that_is_not_one_is_refused():
    with pytest.raises(UploadError, match="not a readable zip archive"):
        upload(("fake.zip", b"not a zip at all"))


# --- Keeping an upload between preview and confirmation ---------------------


@pytest.fixture
def stored(tmp_path):
    result = upload(("a.txt", STORY), ("b.txt", STORY + b"\n"), ("c.png", b""))
    token = store_upload(result, root=tmp_path, owner="7")
    return result, token, tmp_path


def test_a_stored_upload_loads_back_the_same_files(stored):
    result, token, root = stored
    loaded = load_upload(token, root=root, owner="7", digest=result.digest)
    assert [(item.name, item.data) for item in loaded.files] == [(item.name, item.data) for item in result.files]
    assert loaded.skipped == ["c.png"]


def test_another_user_cannot_load_an_upload(stored):
    result, token, root = stored
    with pytest.raises(UploadError, match="someone else"):
        load_upload(token, root=root, owner="8", digest=result.digest)


def test_a_file_changed_on_disk_since_the_preview_is_refused(stored):
    result, token, root = stored
    (root / token / "00000").write_bytes(b"tampered")
    with pytest.raises(UploadError, match="changed since the preview"):
        load_upload(token, root=root, owner="7", digest=result.digest)


def test_an_upload_that_is_not_the_previewed_one_is_refused(stored):
    _, token, root = stored
    other = Upload(files=[UploadedFixture("x.txt", b"other")])
    with pytest.raises(UploadError, match="not the ones previewed"):
        load_upload(token, root=root, owner="7", digest=other.digest)


@pytest.mark.parametrize("token", ["../../etc", "", "short", "a" * 31 + "/"])
def test_a_malformed_token_is_refused(tmp_path, token):
    with pytest.raises(UploadError, match="unknown"):
        load_upload(token, root=tmp_path, owner="7", digest="")


def test_a_discarded_upload_cannot_be_loaded(stored):
    result, token, root = stored
    discard_upload(token, root=root)
    with pytest.raises(UploadError, match="expired"):
        load_upload(token, root=root, owner="7", digest=result.digest)


def test_purge_removes_only_old_uploads(stored):
    result, token, root = stored
    fresh = store_upload(result, root=root, owner="7")
    old = time.time() - 3600
    os.utime(root / token, (old, old))
    assert purge_uploads(root=root, max_age=600) == 1
    assert not (root / token).exists() and (root / fresh).exists()
