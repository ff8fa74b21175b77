"""The aiohttp application: pages, REST API, signaling, WebSocket fan-out, auth.

The only package that knows all the others.
"""
