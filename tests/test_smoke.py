async def test_tenant_home(client, tenant):
    r = await client.get("/")
    assert r.status_code == 200
    assert "Acme Pool Care" in await r.get_data(as_text=True)
