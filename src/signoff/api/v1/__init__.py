"""The approvals REST API at `/api/v1`, in the reference product's style."""
