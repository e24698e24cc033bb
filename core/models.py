# The core app keeps no data of its own: pages, health checks and commands only.
