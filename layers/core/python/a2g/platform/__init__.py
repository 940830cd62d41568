"""Platform-wide records that belong to no user: the scheduler heartbeat."""
