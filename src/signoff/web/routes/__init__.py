"""The UI's routers, one module per area of the product."""
