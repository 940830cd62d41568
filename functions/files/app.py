"""Chat attachments: presigned uploads and short-lived downloads (the bytes never pass through here).

POST /api/files            {session_id, file_name, content_type, size} → a presigned POST for S3
GET  /api/files/{file_id}  a short-lived download URL, to the owner only; `previewable` for images/videos
"""

from __future__ import annotations

from typing import Any

from a2g.chat.composition import file_service
from a2g.chat.schemas import CreateUploadBody, FileDownload, UploadTicket
from a2g.http import ApprovedPrincipal, create_app, lambda_handler_for
from a2g.http.openapi import error_responses
from a2g.validation import ResourceId

app = create_app("files")


@app.post("/api/files", status_code=201, response_model=UploadTicket, responses=error_responses(404),
          summary="Start an upload: a presigned S3 POST")
def create_upload(body: CreateUploadBody, principal: ApprovedPrincipal) -> dict[str, Any]:
    return file_service().create_upload(
        principal,
        session_id=body.session_id,
        file_name=body.file_name,
        content_type=body.content_type,
        size=body.size,
    )


@app.get("/api/files/{file_id}", response_model=FileDownload, summary="A short-lived download URL")
def get_file(file_id: ResourceId, principal: ApprovedPrincipal) -> dict[str, Any]:
    return file_service().download(principal, file_id)


handler = lambda_handler_for(app)
