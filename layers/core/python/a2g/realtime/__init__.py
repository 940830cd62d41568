"""WebSocket connections: who is connected, and what they listen to."""
