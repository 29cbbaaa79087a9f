"""Redis as Django's cache, degrading to "no cache" while Redis is unreachable.

The cache holds nothing that must not be lost (login rate-limit counters, a cached median), so a
Redis outage should slow the portal down, not take it offline: reads miss, writes are dropped,
and each failure is logged. Rate limits fail open until Redis is back.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(method, fallback):
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNREACHABLE as error:
            logger.warning(
                "Cache unreachable (%s): %s skipped.", error.__class__.__name__, method.__name__
            )
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    wrapper.__name__ = method.__name__
    return wrapper


class ResilientRedisCache(RedisCache):
    get = _degrade(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _degrade(RedisCache.get_many, {})
    set = _degrade(RedisCache.set, None)
    set_many = _degrade(RedisCache.set_many, [])
    add = _degrade(RedisCache.add, True)
    touch = _degrade(RedisCache.touch, False)
    delete = _degrade(RedisCache.delete, False)
    delete_many = _degrade(RedisCache.delete_many, None)
    has_key = _degrade(RedisCache.has_key, False)
    incr = _degrade(RedisCache.incr, lambda key, delta=1, version=None: delta)
    clear = _degrade(RedisCache.clear, None)

    def get_or_set(self, key, default, timeout=None, version=None):
        value = self.get(key, version=version)
        if value is None:
            value = default() if callable(default) else default
            self.set(key, value, timeout=timeout, version=version)
        return value
