"""PynamoDB models of the Traces and Usage tables (keys in docs/data-model.md)."""

from __future__ import annotations

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute

from a2g.db import Gsi1, PlatformModel, table_meta


class TraceItem(PlatformModel):
    """`TRACE#<trace_id>/META`: who owns a trace and what it traces. Listed per owner through gsi1."""

    Meta = table_meta("traces")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)  # USER#<owner_user_id>
    gsi1sk = UnicodeAttribute(null=True)  # TRACE#<trace_id>
    gsi1 = Gsi1()
    trace_id = UnicodeAttribute()
    owner_user_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # agent | session
    agent_id = UnicodeAttribute(null=True)
    session_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class ActiveRunItem(PlatformModel):
    """`TRACE#<agent_trace_id>/RUN#<session_id>`: the platform's chat is running this agent for that session."""

    Meta = table_meta("traces")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    session_id = UnicodeAttribute()
    session_trace_id = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute()
    ended_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()  # epoch seconds: an unfinished run stops covering calls then
    ttl = NumberAttribute()  # when DynamoDB may delete the item (a while after the run, for late lookups)


class LogEntryItem(PlatformModel):
    """`TRACE#<trace_id>/LOG#<entry_id>`: one LLM call. The whole entry is kept zlib-compressed in `payload`
    (conversations compress several-fold, which keeps large calls under DynamoDB's 400 KB item limit); the
    summary attributes beside it are what a reader may filter on without decompressing."""

    Meta = table_meta("traces")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    entry_id = UnicodeAttribute()
    trace_id = UnicodeAttribute()
    at = UnicodeAttribute()
    model = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    agent_id = UnicodeAttribute(null=True)
    session_id = UnicodeAttribute(null=True)
    latency_ms = NumberAttribute(null=True)
    payload = BinaryAttribute(legacy_encoding=False)
    ttl = NumberAttribute()


class UsageCounterItem(PlatformModel):
    """`DAY#<yyyy-mm-dd>/TOTAL` and `DAY#<yyyy-mm-dd>/D#<team>#<user>#<model>#<agent>`: counters, atomic ADD."""

    Meta = table_meta("usage")
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    calls = NumberAttribute(null=True)
    errors = NumberAttribute(null=True)
    prompt_tokens = NumberAttribute(null=True)
    completion_tokens = NumberAttribute(null=True)
    latency_ms_sum = NumberAttribute(null=True)
