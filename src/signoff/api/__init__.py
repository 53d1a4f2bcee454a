"""The HTTP interface: the application factory, error mapping and (later) routers."""
