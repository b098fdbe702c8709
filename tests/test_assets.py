"""The bundled front-end: the web font is served from the app itself, so CJK text renders offline."""
from tests.conftest import login


def test_pages_link_the_bundled_font(app):
    client = app.test_client()
    login(client, "op1")
    page = client.get("/").get_data(as_text=True)
    assert "/static/dist/base.css" in page
    css = client.get("/static/dist/base.css")
    assert css.status_code == 200
    font = css.get_data(as_text=True).split("url(")[1].split(")")[0].strip("\"'")
    assert font.endswith(".woff2")
    assert client.get("/static/dist/" + font.removeprefix("./")).status_code == 200
