"""The web shell: base layout in Japanese and English, the language switch, error pages."""


def test_chamber_home_page_in_japanese_by_default(web, saitama):
    page = web.get("/c/1504")

    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="ja">' in page.text
    assert "<h1>さいたま商工会議所</h1>" in page.text
    assert "貿易登録手数料（税込）" in page.text and "16,200 円" in page.text
    assert 'href="/lang/en?next=/c/1504"' in page.text
    assert "tc_session" in page.cookies  # the session cookie, HttpOnly
    assert "HttpOnly" in page.headers["Set-Cookie"]


def test_language_switch_remembers_english(web, saitama):
    switched = web.get("/lang/en?next=/c/1504", allow_redirects=False)
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/c/1504")

    page = web.get("/c/1504")  # the cookie from the switch goes along
    assert '<html lang="en">' in page.text
    assert "<h1>Saitama CCI</h1>" in page.text and "Registration fee (tax included)" in page.text
    assert "Non-members: 16,200 yen" in page.text


def test_accept_language_and_query_choose_the_language(web, saitama):
    assert '<html lang="en">' in web.get("/c/1504", headers={"Accept-Language": "en"}).text
    assert '<html lang="en">' in web.get("/c/1504?lang=en").text


def test_language_switch_never_redirects_off_site(web):
    for target in ("https://evil.example/", "//evil.example/"):
        response = web.get("/lang/en", params={"next": target}, allow_redirects=False)
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


def test_unknown_chamber_page_is_a_404_page_in_the_language(web):
    ja = web.get("/c/9999")
    en = web.get("/c/9999?lang=en")

    assert ja.status_code == en.status_code == 404
    assert "この商工会議所コードの商工会議所はありません。" in ja.text
    assert "No chamber of commerce has this code." in en.text
    assert ja.headers["X-Request-ID"] in ja.text  # quoted to the chamber's help desk


def test_home_page_lists_chambers_and_static_files_are_served(web, saitama):
    assert 'href="/c/1504"' in web.get("/").text
    css = web.get("/static/site.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    assert web.get("/static/../config.yaml").status_code == 404


def test_chamber_page_leads_to_login_and_registration(web, saitama):
    page = web.get("/c/1504").text
    assert 'href="/c/1504/login"' in page and 'href="/c/1504/registration"' in page
    assert "貿易登録の申請（ご案内）" in page
