"""Outbound adapters: AWS services and HTTP peers, each behind a small interface."""
