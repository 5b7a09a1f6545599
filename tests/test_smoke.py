async def test_tenant_sign_in_page_shows_the_business(client, tenant):
    r = await client.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/sign-in")
    r = await client.get("/sign-in")
    assert r.status_code == 200
    assert "Acme Pool Care" in await r.get_data(as_text=True)
