"""The playground: chat sessions and their history, file attachments, and talking to agents for the user.

- models.py      sessions, messages, files, usage history (dataclasses; the API's JSON shape)
- repository.py  ChatsTable items and queries (docs/data-model.md)
- storage.py     attachment bytes in S3 (presigned upload / download)
- ports.py       what the playground needs from the agent registry and live tracing; who may chat
- service.py     sessions, messages and files: the rules
- invoke.py      the WebSocket `invoke` action: save, call the agent, stream, save, push
- composition.py the real objects, built from settings
"""
