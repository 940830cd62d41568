"""Unit tests for identity run on fakes only: no settings, no DynamoDB, no network."""
