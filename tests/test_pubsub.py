"""``services.pubsub`` (core/pubsub.py): live notices between app instances.

Both halves of the suite: in-process on SQLite, Redis on PostgreSQL. Two
app instances on the same Redis hear each other; tenants never hear each
other; a closed subscription stops receiving.
"""

from __future__ import annotations

import pytest

from core.pubsub import MemoryPubSub, RedisPubSub


async def test_a_subscriber_gets_what_is_published_on_its_channel(app, tenant, other_tenant, in_tenant):
    pubsub = app.extensions["porchside"].pubsub
    expected = RedisPubSub if app.extensions["porchside"].settings.redis_url else MemoryPubSub
    assert isinstance(pubsub, expected)
    with in_tenant(tenant):
        mine = await pubsub.subscribe("thread:1")
        other_channel = await pubsub.subscribe("thread:2")
    with in_tenant(other_tenant):
        theirs = await pubsub.subscribe("thread:1")
    try:
        with in_tenant(tenant):
            await pubsub.publish("thread:1", "hello")
        assert await mine.get(timeout=5) == "hello"
        # Another channel, and the same name in another tenant, hear nothing.
        assert await other_channel.get(timeout=0.2) is None
        assert await theirs.get(timeout=0.2) is None
    finally:
        for subscription in (mine, other_channel, theirs):
            await subscription.close()


async def test_several_subscribers_of_one_channel_each_get_every_message(app, tenant):
    pubsub = app.extensions["porchside"].pubsub
    first = await pubsub.subscribe("news", tenant_id=tenant.id)
    second = await pubsub.subscribe("news", tenant_id=tenant.id)
    await pubsub.publish("news", "one", tenant_id=tenant.id)
    await pubsub.publish("news", "two", tenant_id=tenant.id)
    assert [await first.get(5), await first.get(5)] == ["one", "two"]
    assert [await second.get(5), await second.get(5)] == ["one", "two"]
    await first.close()
    # The channel stays open for the one still listening.
    await pubsub.publish("news", "three", tenant_id=tenant.id)
    assert await second.get(5) == "three"
    assert await first.get(0.1) is None
    await second.close()


async def test_two_app_instances_on_the_same_redis_hear_each_other(make_app, porchside_backend, porchside_settings_factory):
    if porchside_backend.redis_url is None:
        pytest.skip("sharing live messages between instances needs Redis (the in-process broker is one process by design)")
    settings = porchside_settings_factory()
    async with make_app(settings=settings) as first, make_app(settings=settings) as second:
        a = first.extensions["porchside"].pubsub
        b = second.extensions["porchside"].pubsub
        assert a is not b
        listener = await b.subscribe("thread:7", tenant_id=3)
        try:
            await a.publish("thread:7", '{"seq": 1}', tenant_id=3)
            assert await listener.get(timeout=5) == '{"seq": 1}'
            await a.publish("thread:7", "for tenant 4", tenant_id=4)
            assert await listener.get(timeout=0.3) is None
        finally:
            await listener.close()


async def test_channels_carry_the_prefix_and_the_tenant(app, tenant, in_tenant):
    from core.pubsub import channel_name

    services = app.extensions["porchside"]
    with in_tenant(tenant):
        subscription = await services.pubsub.subscribe("x")
    assert subscription.channel == f"{services.settings.redis_prefix}:t:{tenant.id}:x"
    await subscription.close()
    assert channel_name("p", "y", tenant_id=5) == "p:t:5:y"
