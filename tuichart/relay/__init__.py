"""A running recorder serving what it holds, and how other sessions find and attach to it.

Import the modules themselves: `discovery` and `client` are light (what the app and the commands load), `service`
brings aiohttp (the recorder alone loads it)."""
