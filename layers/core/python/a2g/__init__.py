"""The A2G platform's shared package (the Lambda layer `layers/core`).

Domain packages (identity, agents, tracing, chat, operations, ranking) hold services and repositories;
the cross-cutting pieces (settings, errors, logging, clock, ids, the HTTP app factory, the guarded outbound
client) live once at this level.
"""
