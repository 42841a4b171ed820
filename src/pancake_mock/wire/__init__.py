"""HTTP in, domain call, HTTP out. Routing and validation come from the contract."""
