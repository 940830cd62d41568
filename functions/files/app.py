"""Chat attachments: presigned uploads and short-lived downloads (the bytes never pass through here).

POST /api/files            {session_id, file_name, content_type, size} → a presigned POST for S3
GET  /api/files/{file_id}  a short-lived download URL, to the owner only; `previewable` for images/videos
"""

from __future__ import annotations

from typing import Any

from a2g.chat.composition import file_service
from a2g.chat.schemas import CreateUploadBody
from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.validation import ResourceId

app = create_app("files")


@app.post("/api/files", status_code=201)
def create_upload(body: CreateUploadBody, principal: ApprovedPrincipal) -> dict[str, Any]:
    return file_service().create_upload(
        principal,
        session_id=body.session_id,
        file_name=body.file_name,
        content_type=body.content_type,
        size=body.size,
    )


@app.get("/api/files/{file_id}")
def get_file(file_id: ResourceId, principal: ApprovedPrincipal) -> dict[str, Any]:
    return file_service().download(principal, file_id)


handler = lambda_handler_for(app)
