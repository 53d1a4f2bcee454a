"""Read models: status, queue, change sets, audit, analytics. Queries never write."""
