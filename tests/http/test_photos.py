"""Photos on a proposal, a progress report (before/after) and a supervision note: re-encoded
without EXIF/GPS, upright, kept with thumbnails by content hash, refused when not an image,
a bomb, too large or one too many (nothing half-saved), served only through the route that
checks visibility."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from tests.conftest import run, text_of
from tests.http.test_topics_helpers import Topics, english

GPS_LAT = (39.0, 54.0, 27.0)


@pytest.fixture
def topics(make_user, community):
    return Topics(make_user, community)


def jpeg_with_gps(width=400, height=200, orientation=None, color=(200, 30, 30)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LAT
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 29.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    data = out.getvalue()
    back = Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert back[ExifTags.GPS.GPSLatitude] == GPS_LAT  # the upload really carries a position
    return data


def png(width=300, height=300, color=(20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A valid little PNG whose header declares 10 gigapixels."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def proposal(community):
    return {"title": "Broken elevator", "description": "The elevator of building 3 stops between floors.",
            "category": "parking", "grid_id": str(community["grids"][0])}


def photo_rows(**where):
    from consult.photos.tables import Photo

    query = Photo.select()
    for key, value in where.items():
        query = query.where(getattr(Photo, key) == value)
    return run(query.order_by(Photo.id))


def topic_count():
    from consult.topics.tables import Topic

    return run(Topic.count())


def stored_files():
    from consult.photos import store

    root = store.current().root
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def resident_client(client, make_user):
    client.login(make_user("resident"))
    english(client)
    return client


def test_a_proposal_keeps_its_photos_reencoded_without_gps_upright_with_thumbnails(client, make_user, community):
    from consult.photos import store

    resident_client(client, make_user)
    files = [("photos", ("elevator.jpg", jpeg_with_gps(400, 200, orientation=6), "image/jpeg")),
             ("photos", ("door.jpg", png(), "image/jpeg"))]  # a PNG named .jpg is still a PNG: accepted
    r = client.post("/topics", proposal(community), files=files)
    assert r.status_code == 303, text_of(r.text)[:800]
    tid = int(r.headers["location"].split("/")[2].split("#")[0].split("?")[0])
    rows = photo_rows(owner_type="topic", owner_id=tid)
    assert [row["position"] for row in rows] == [0, 1]
    first = rows[0]
    assert (first["width"], first["height"]) == (200, 400)  # orientation 6 applied: no longer sideways
    for size in ("large", "320", "960"):
        data = store.current().get(store.file_name(first["digest"], size))
        image = Image.open(io.BytesIO(data))
        assert image.format == "WEBP"
        assert not image.getexif() and not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info and b"PhoneMaker" not in data
    assert Image.open(io.BytesIO(store.current().get(store.file_name(first["digest"], "320")))).width == 200
    page = client.get(f"/topics/{tid}").text
    assert f'/photos/{first["id"]}/320' in page and 'loading="lazy"' in page
    assert f'href="/photos/{first["id"]}/large"' in page and 'alt="Broken elevator, photo 1 of 2"' in page
    served = client.get(f"/photos/{first['id']}/960")
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "max-age=31536000" in served.headers["cache-control"]  # public content, signed in or not
    assert served.content == store.current().get(store.file_name(first["digest"], "960"))
    assert client.get(f"/photos/{first['id']}/999").status_code == 404


@pytest.mark.parametrize("name,data,message", [
    ("notes.jpg", "This is not a picture.\n".encode() * 10, "is not a JPEG, PNG or WebP image."),
    ("bomb.png", png_bomb(), "has too many pixels"),
    ("huge.jpg", b"\xff\xd8\xff\xe0" + b"0" * (11 * 1024 * 1024), "is larger than 10 MB."),
])
def test_a_bad_file_refuses_the_proposal_and_saves_nothing(client, make_user, community, name, data, message):
    resident_client(client, make_user)
    before_topics, before_photos, before_files = topic_count(), len(photo_rows()), stored_files()
    files = [("photos", ("ok.jpg", jpeg_with_gps(), "image/jpeg")), ("photos", (name, data, "image/jpeg"))]
    r = client.post("/topics", proposal(community), files=files)
    assert r.status_code == 400
    assert message in text_of(r.text) and 'id="e-photos"' in r.text
    assert 'value="Broken elevator"' in r.text  # the form is given back with what was typed
    assert (topic_count(), len(photo_rows()), stored_files()) == (before_topics, before_photos, before_files)


def test_a_seventh_photo_is_refused(client, make_user, community):
    resident_client(client, make_user)
    before = topic_count(), len(photo_rows()), stored_files()
    files = [("photos", (f"p{i}.png", png(color=(i * 30, 10, 10)), "image/png")) for i in range(7)]
    r = client.post("/topics", proposal(community), files=files)
    assert r.status_code == 400 and "At most 6 photos." in text_of(r.text)
    assert (topic_count(), len(photo_rows()), stored_files()) == before
    r = client.post("/topics", proposal(community), files=files[:6])
    assert r.status_code == 303


def test_a_failing_owner_write_removes_the_files_it_wrote(client, make_user, community, topics):
    """The rows are in the owner's transaction; the files written before it are deleted when it fails."""
    tid, _ = topics.create("implementing")
    client.login(topics.staff)
    english(client)
    before = len(photo_rows()), stored_files()
    files = [("photos_after", ("after.jpg", jpeg_with_gps(color=(1, 2, 250)), "image/jpeg"))]
    r = client.post(f"/topics/{tid}/progress", {"percent": "150", "note": "Done.", "date": ""}, files=files)
    assert r.status_code == 400 and 'enctype="multipart/form-data"' in r.text
    assert (len(photo_rows()), stored_files()) == before


def test_progress_has_before_and_after_photos_and_a_supervision_note_its_own(client, make_user, topics):
    tid, _ = topics.create("implementing")
    client.login(topics.staff)
    files = [("photos_before", ("b.jpg", jpeg_with_gps(color=(90, 90, 90)), "image/jpeg")),
             ("photos_after", ("a.png", png(color=(10, 200, 10)), "image/png"))]
    r = client.post(f"/topics/{tid}/progress", {"percent": "100", "note": "Lift replaced.", "date": ""}, files=files)
    assert r.status_code == 303
    from consult.topics.tables import ProgressUpdate

    update = run(ProgressUpdate.select().where(ProgressUpdate.topic == tid).first())
    assert [row["kind"] for row in photo_rows(owner_type="progress", owner_id=update["id"])] == ["before", "after"]
    client.post("/auth/logout")
    client.login(make_user("representative"))
    english(client)
    r = client.post(f"/topics/{tid}/supervision", {"body": "Checked on site."},
                    files=[("photos", ("site.webp", webp(), "image/webp"))])
    assert r.status_code == 303
    page = client.get(f"/topics/{tid}").text
    assert page.count("/photos/") >= 3 * 2 and "(Before)" in page and "(After)" in page


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (500, 300), (240, 200, 0)).save(out, "WEBP")
    return out.getvalue()


def test_csrf_token_in_the_multipart_form_itself_works_and_its_absence_is_refused(client, make_user, community):
    resident_client(client, make_user)
    files = [("photos", ("p.png", png(), "image/png"))]
    assert client.post("/topics", proposal(community), files=files, csrf=False).status_code == 403
    token = client.cookies.get("csrftoken")
    r = client.post("/topics", {**proposal(community), "_csrf_token": token}, files=files, csrf=False)
    assert r.status_code == 303


def test_photos_of_hidden_or_missing_content_are_not_served(client, make_user, topics):
    from consult.photos import commands as photo_commands
    from consult.photos.owners import OwnerType
    from consult.photos.tables import Photo
    from consult.topics.tables import TopicComment
    from tests.conftest import user_id

    tid, author = topics.create("discussing")
    comment = TopicComment(topic=tid, author=user_id(author), body="Look at this.")
    run(comment.save())
    upload = photo_commands.Upload("photos", "c.png", png(color=(5, 5, 5)))

    async def attach(owner_type, owner_id):
        batch = await photo_commands.prepare([upload], ["photos"])
        async with photo_commands.stored(batch):
            return (await photo_commands.attach(batch, owner_type, owner_id, user_id(author)))[0]

    shown = run(attach(OwnerType.comment, comment.id))
    orphan = run(attach(OwnerType.progress, 2_000_000_000))
    assert client.get(f"/photos/{shown}/320").status_code == 200
    run(TopicComment.update({TopicComment.hidden: True}).where(TopicComment.id == comment.id))
    assert client.get(f"/photos/{shown}/320").status_code == 404
    assert client.get(f"/photos/{orphan}/large").status_code == 404
    visible = run(attach(OwnerType.topic, tid))
    run(Photo.update({Photo.hidden: True}).where(Photo.id == visible))
    assert client.get(f"/photos/{visible}/large").status_code == 404
    assert f"/photos/{visible}/" not in client.get(f"/topics/{tid}").text
