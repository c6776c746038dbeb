"""Next Commerce attachments: upload (``POST /tickets/attachments/``) and download."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.api.nextcommerce import schemas as s
from ticketry.api.nextcommerce.deps import Caller, check_id
from ticketry.api.nextcommerce.serializers import files_base
from ticketry.api.nextcommerce.state import runtime_settings
from ticketry.domain.errors import NotFound, ValidationFailed
from ticketry.domain.files.models import StoredFile
from ticketry.domain.files.services import files_store
from ticketry.domain.types import utcnow
from ticketry.http.downloads import file_response

# What a comment may carry; the type is decided by the bytes, never by the name or header.
ALLOWED_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"})
MAX_FILES = 10


@post(
    "/tickets/attachments/",
    operation_id="ticketsAttachmentsCreate",
    summary="Attach new files in an existing ticket.",
    status_code=200,
    opt={"access": "write"},
)
async def tickets_attachments_create(
    request: Request, db: AsyncSession, caller: Caller
) -> s.AttachmentsUploadOut:
    """Multipart, one or more ``files`` (PDF, PNG, JPEG, GIF, WebP; at most
    ``TICKETRY_MAX_FILE_BYTES`` each). The files are stored for the account; their ids go
    into a comment's ``attachments``. The vendor's document gives a Ticket as the answer: it
    is an empty ticket shape (``id`` 0) whose one comment and ``attachments`` list the files."""
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    uploads: list[UploadFile] = []
    if media == "multipart/form-data":
        form = await request.form()
        uploads = [f for f in form.getall("files", []) if isinstance(f, UploadFile)]
    if not uploads:
        raise ValidationFailed.single("files", "No file was submitted.")
    stored = await files_store(
        db,
        store=request.app.state.runtime.files(),
        account_id=caller.account.id,
        files=[(upload.filename, await upload.read()) for upload in uploads],
        field="files",
        max_bytes=runtime_settings(request).max_file_bytes,
        allowed=ALLOWED_TYPES,
        max_count=MAX_FILES,
    )
    await db.commit()
    base = files_base(request)
    files = [s.AttachmentOut(id=f.id, file=f"{base}{f.id}/", file_name=f.filename) for f in stored]
    now = utcnow()
    return s.AttachmentsUploadOut(
        id=0,
        subject="",
        status="new",
        priority="medium",
        channel="api",
        requester=None,
        assignee=None,
        from_email=None,
        order="",
        products=[],
        tags=[],
        ticket_type=None,
        comments=[
            s.TicketCommentOut(
                id=0,
                author=caller.user.id if caller.user else None,
                body=None,
                from_email=None,
                is_public=True,
                created_at=now,
                attachments=files,
            )
        ],
        created_at=now,
        updated_at=now,
        attachments=files,
    )


@get(
    "/tickets/attachments/{file_id:int}/",
    operation_id="ticketsAttachmentsDownload",
    summary="Download an attachment (Ticketry).",
    opt={"access": "read"},
    include_in_schema=True,
)
async def tickets_attachments_download(
    request: Request, db: AsyncSession, caller: Caller, file_id: int
) -> Response[bytes]:
    """The file's bytes, for tokens of the file's account only."""
    row = await db.scalar(
        select(StoredFile).where(
            StoredFile.id == check_id(file_id), StoredFile.account_id == caller.account.id
        )
    )
    if row is None:
        raise NotFound()
    content = await request.app.state.runtime.files().load(row.storage_key)
    return file_response(
        content=content, content_type=row.content_type, filename=row.filename, kind="attachment"
    )


HANDLERS = [tickets_attachments_create, tickets_attachments_download]
