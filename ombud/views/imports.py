"""Staff import in the browser: upload → Förhandsgranska (dry run) → Importera → result.

The uploaded file is kept on the server between the two steps, under MEDIA_ROOT/imports/<uuid>,
and the confirm step names it by a signed, time-limited token bound to the user, so nobody can
point the import at another file or someone else's upload. The file is deleted after the import
(and when the preview shows errors, since that file will never be imported).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from ombud import access, importing, personnummer
from ombud.forms import ImportForm
from ombud.views import form_error

TOKEN_SALT = "ombud.person-import"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX_AGE = 60 * 60  # an hour between preview and confirm
PREVIEW_ROWS = 10
TOKEN_EXPIRED = gettext_lazy("Förhandsgranskningen har gått ut. Ladda upp filen igen.")


def _import_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(folder: Path) -> None:
    """Delete uploads whose preview was never confirmed: their tokens have expired anyway."""
    cutoff = time.time() - TOKEN_MAX_AGE
    for path in folder.iterdir():
        with contextlib.suppress(OSError):  # another request may have removed it already
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()


def _store(upload) -> str:
    """Save the upload under a random name; return that name (the token's content)."""
    folder = _import_dir()
    _sweep(folder)
    name = f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with open(folder / name, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return name


def _stored_path(token: str, user) -> tuple[Path, str]:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError(TOKEN_EXPIRED) from None
    name = data.get("file", "")
    path = _import_dir() / Path(name).name
    if data.get("user") != user.pk or not path.is_file():
        raise ValidationError(TOKEN_EXPIRED)
    return path, data.get("name", path.name)


def _run(path: Path, *, user, dry_run: bool, filename: str) -> importing.ImportResult:
    """One call into the shared importer (the same one `import_people` uses); the importer
    scopes the rows to the user's municipalities itself."""
    return importing.import_people(path, filename=filename, dry_run=dry_run, user=user)


def _masked(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The preview shows personnummer masked like every other page (`19850312-****`)."""
    return [
        {
            label: personnummer.masked_text(value) if _is_pnr_column(label) and value else value
            for label, value in row.items()
        }
        for row in rows
    ]


def _is_pnr_column(label: str) -> bool:
    return label.lower().strip() == "personnummer"


@access.require(access.can_edit_people)
def person_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    if request.method == "POST" and form.is_valid():
        name = _store(form.cleaned_data["file"])
        path = _import_dir() / name
        try:
            result = _run(path, user=request.user, dry_run=True, filename=form.cleaned_data["file"].name)
        except ValidationError as e:
            path.unlink(missing_ok=True)
            form_error(form, e)
        else:
            if result.errors and not result.total:
                # The file itself could not be read (type, encoding, header): one message.
                path.unlink(missing_ok=True)
                for message in result.errors:
                    form.add_error("file", message)
                return render(request, "ombud/person_import.html", context, status=400)
            context.update(
                result=result, preview_rows=_masked(result.preview[:PREVIEW_ROWS]), filename=result.filename
            )
            if result.errors:
                path.unlink(missing_ok=True)
                return render(request, "ombud/person_import.html", context, status=400)
            context["token"] = signing.dumps(
                {"file": name, "user": request.user.pk, "name": result.filename}, salt=TOKEN_SALT
            )
            return render(request, "ombud/person_import.html", context)
    status = 400 if form.is_bound else 200
    return render(request, "ombud/person_import.html", context, status=status)


def _confirm(request: HttpRequest) -> HttpResponse:
    form = ImportForm()
    try:
        path, filename = _stored_path(request.POST["token"], request.user)
    except ValidationError as e:
        return render(request, "ombud/person_import.html", {"form": form, "problems": e.messages}, status=400)
    try:
        result = _run(path, user=request.user, dry_run=False, filename=filename)
    finally:
        path.unlink(missing_ok=True)
    if result.errors:
        # Data changed between preview and confirm: nothing was written (all or nothing).
        return render(request, "ombud/person_import.html", {"form": form, "result": result}, status=400)
    messages.success(request, importing.people_summary(result))
    return redirect("ombud:person-list")
