from django.db import connections

# A second alias standing in for a read replica: a test mirror of the default
# database, so that the router is tested with two real connections. It must
# exist before the test databases are set up, hence at import time.
if "replica" not in connections:
    connections.settings["replica"] = {**connections.settings["default"], "TEST": {"MIRROR": "default"}}
