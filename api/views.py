"""`/api/v1/`: thin views over the apps' selectors and services (issue 13).

Every queryset comes from `ombud/access.py` or an app's scoped selector with the key's service
account as the user, so a key sees exactly what a person of its role and municipalities sees;
an id outside that scope answers 404 in a path and 400 in a body. Writes go through the
people importer and `kurser.services`, and each is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _g
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.messages import API_MUNICIPALITY_REQUIRED, API_MUNICIPALITY_UNKNOWN, API_NOT_FOUND, API_PERIOD
from kurser import selectors as kurser_selectors
from kurser import services as kurser_services
from kurser.models import Course, Session, Submission
from ombud import access
from ombud.importing.engine import Handler, ImportContext, ImportResult, run_import_records
from ombud.importing.people import PeopleImport
from ombud.models import AuditLog, Person
from ombud.services import audit_log
from rapporter.queries import esf_summary

# --- permissions: the access predicates, per view -------------------------------------------------


def requires(predicate) -> type[BasePermission]:
    """A DRF permission asking one `ombud.access` predicate of the key's account (403 if not)."""

    class Allowed(BasePermission):
        def has_permission(self, request, view) -> bool:
            return bool(predicate(request.user))

    Allowed.__name__ = f"Requires_{predicate.__name__}"
    return Allowed


def _error_text(e: DjangoValidationError) -> str:
    return " ".join(str(m) for m in e.messages)


def _audit(request: Request, what: str, **detail: Any) -> None:
    audit_log(
        user=request.user,
        action=AuditLog.Action.CHANGE,
        what=what,
        detail={"api_key": request.auth.prefix, **detail},
    )


# --- read ---------------------------------------------------------------------------------------


class ProgrammeList(generics.ListAPIView):
    serializer_class = s.ProgrammeSerializer

    def get_queryset(self):
        return access.programmes_for(self.request.user).prefetch_related("municipalities")


class ProgrammeDetail(generics.RetrieveAPIView):
    serializer_class = s.ProgrammeSerializer

    def get_queryset(self):
        return access.programmes_for(self.request.user).prefetch_related("municipalities")


class MunicipalityList(generics.ListAPIView):
    serializer_class = s.MunicipalitySerializer

    def get_queryset(self):
        return access.municipalities_for(self.request.user)


class MunicipalityDetail(generics.RetrieveAPIView):
    serializer_class = s.MunicipalitySerializer

    def get_queryset(self):
        return access.municipalities_for(self.request.user)


class WorkplaceList(generics.ListAPIView):
    serializer_class = s.WorkplaceSerializer

    def get_queryset(self):
        return access.workplaces_for(self.request.user)


class WorkplaceDetail(generics.RetrieveAPIView):
    serializer_class = s.WorkplaceSerializer

    def get_queryset(self):
        return access.workplaces_for(self.request.user)


def _audit_personnummer(request: Request, people: list[Person]) -> None:
    """Full personnummer sent to a system is a reveal like one on screen: audited, one entry
    per answer with the ids it carried."""
    if people and access.can_see_personnummer(request.user):
        audit_log(
            user=request.user,
            action=AuditLog.Action.VIEW_PERSONNUMMER,
            what=_g("API: %(n)s personnummer") % {"n": len(people)},
            person=people[0] if len(people) == 1 else None,
            detail={"api_key": request.auth.prefix, "people": [p.pk for p in people]},
        )


class PersonListUpsert(generics.ListAPIView):
    serializer_class = s.PersonSerializer

    def get_permissions(self):
        predicate = access.can_edit_people if self.request.method == "POST" else access.can_view_people
        return [IsAuthenticated(), requires(predicate)()]

    def get_queryset(self):
        return access.people_for(self.request.user).filter(erased_at__isnull=True)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        _audit_personnummer(request, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.PersonUpsertSerializer(many=True),
        responses={200: s.UpsertResultSerializer, 400: OpenApiTypes.OBJECT},
        description=(
            "Upsert people by personnummer with the rules and messages of the people import "
            "(spec §1a). All or nothing: one invalid item and nothing is saved; every invalid "
            "item is listed as `rad N: kolumn: fel` (N = the item's position, from 1). Sending the "
            "same list again changes nothing (`created` and `updated` 0)."
        ),
    )
    def post(self, request: Request) -> Response:
        items = s.PersonUpsertSerializer(data=request.data, many=True, max_length=5000)
        items.is_valid(raise_exception=True)
        records = [
            {key: item.get(field, "") for field, (key, _label) in s.PERSON_COLUMNS.items()}
            for item in items.validated_data
        ]
        contexts: list[_FieldContext] = []

        def context(*args: Any, **kwargs: Any) -> _FieldContext:
            contexts.append(_FieldContext(*args, **kwargs))
            return contexts[-1]

        result = run_import_records(
            cast(Handler, PeopleImport(user=request.user)),
            records,
            name=f"API {request.auth.prefix}",
            user=request.user,
            context=context,
        )
        if result.errors:
            errors = _field_errors(result, contexts[0])
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "total": result.total,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )


_FIELD_OF_LABEL = {label: field for field, (_key, label) in s.PERSON_COLUMNS.items()}


class _FieldContext(ImportContext):
    """Keeps which row and JSON field each message is about (the engine keeps only the text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields: dict[str, tuple[int, str]] = {}

    def error(self, row: int, column: str, message: Any, /, **params: Any) -> None:
        before = len(self.result._row_errors)
        super().error(row, column, message, **params)
        if len(self.result._row_errors) > before:
            self.fields[self.result._row_errors[-1][2]] = (row, _FIELD_OF_LABEL.get(column, column))


def _field_errors(result: ImportResult, ctx: _FieldContext) -> list[dict[str, Any]]:
    out = []
    for text in result.errors:
        row, field = ctx.fields.get(text, (None, None))
        out.append({"row": row, "field": field, "message": text})
    return out


class PersonDetail(generics.RetrieveAPIView):
    serializer_class = s.PersonSerializer
    permission_classes = [IsAuthenticated, requires(access.can_view_people)]

    def get_queryset(self):
        return access.people_for(self.request.user).filter(erased_at__isnull=True)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        _audit_personnummer(request, [person])
        return Response(self.get_serializer(person).data)


class CourseList(generics.ListAPIView):
    serializer_class = s.CourseSerializer
    queryset = Course.objects.all()


def _sessions(user) -> Any:
    return kurser_selectors.sessions_for(user).select_related("municipality")


class SessionListCreate(generics.ListAPIView):
    serializer_class = s.SessionSerializer

    def get_permissions(self):
        predicate = access.can_run_sessions if self.request.method == "POST" else access.can_view_sessions
        return [IsAuthenticated(), requires(predicate)()]

    def get_queryset(self):
        return _sessions(self.request.user)

    @extend_schema(
        request=s.SessionWriteSerializer,
        responses={
            200: s.SubmissionAnswerSerializer,
            201: s.SubmissionAnswerSerializer,
            409: OpenApiTypes.OBJECT,
        },
        description=(
            "Create a session with its attendance, once per `client_id` (the tablet's idempotent "
            "submission id): the same request again answers 200 with the stored answer; the same "
            "id with other content answers 409."
        ),
    )
    def post(self, request: Request) -> Response:
        body = s.SessionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        user = request.user
        places = {
            "programme": access.programmes_for(user),
            "municipality": access.municipalities_for(user),
            "course": Course.objects.all(),
            "workplace": access.workplaces_for(user),
            "trainer": access.people_for(user).filter(erased_at__isnull=True),
        }
        fields: dict[str, Any] = {}
        for name, qs in places.items():
            pk = d.get(name)
            if pk is None:
                fields[name] = None
                continue
            obj_id = access.parse_id(pk)
            obj = qs.filter(pk=obj_id).first() if obj_id else None
            if obj is None:
                raise serializers.ValidationError({name: [API_NOT_FOUND]})
            fields[name] = obj
        marks = [
            {"person_id": m["person"], "status": m["status"], "minutes": m.get("minutes")} for m in d["marks"]
        ]
        if any(access.parse_id(m["person_id"]) is None for m in marks):
            raise serializers.ValidationError({"marks": [API_NOT_FOUND]})
        session_fields = {
            **fields,
            "trainer_name": d.get("trainer_name", ""),
            "date": d["date"],
            "start_time": d["start_time"],
            "planned_minutes": d["planned_minutes"],
            "form": d["form"],
            "small_group": d["small_group"],
        }
        try:
            answer, created = _session_with_marks(user, d["client_id"], session_fields, marks)
        except kurser_services.SubmissionConflict as e:
            return Response({"detail": str(e.message)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as e:
            return Response({"detail": _error_text(e)}, status=status.HTTP_400_BAD_REQUEST)
        if created:
            _audit(
                request,
                _g("API: utbildningstillfälle %(id)s med %(n)s närvarorader")
                % {"id": answer["session"], "n": len(marks)},
                session=answer["session"],
                client_id=str(d["client_id"]),
            )
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class _Replayed(Exception):
    def __init__(self, answer: dict) -> None:
        self.answer = answer


_COMPARED = (
    "programme",
    "course",
    "municipality",
    "workplace",
    "trainer",
    "date",
    "start_time",
    "planned_minutes",
)


def _session_key(session: Session) -> dict[str, Any]:
    return {
        "programme": session.programme_id,
        "course": session.course_id,
        "municipality": session.municipality_id,
        "workplace": session.workplace_id,
        "trainer": session.trainer_id,
        "date": session.date,
        "start_time": session.start_time,
        "planned_minutes": session.planned_minutes,
    }


def _session_with_marks(user, client_id, fields: dict[str, Any], marks: list[dict]) -> tuple[dict, bool]:
    """One session and its marks under one client id: a replay finds the submission of the
    first request and answers what it answered (or 409 when the content differs)."""
    previous = Submission.objects.filter(client_id=client_id).select_related("session").first()
    if previous is not None:
        session = _sessions(user).filter(pk=previous.session_id).first()
        if session is None or _session_key(session) != {
            n: getattr(fields[n], "pk", fields[n]) for n in _COMPARED
        }:
            raise kurser_services.SubmissionConflict()
        answer, _created = kurser_services.attendance_submit(
            session=session, marks=marks, client_id=client_id, by=user
        )
        return answer, False
    try:
        with transaction.atomic():
            session = kurser_services.session_create(by=user, **fields)
            answer, created = kurser_services.attendance_submit(
                session=session, marks=marks, client_id=client_id, by=user
            )
            if not created:  # a twin request won the race: drop this session, answer as the twin
                raise _Replayed(answer)
    except _Replayed as replay:
        return replay.answer, False
    return answer, True


class SessionDetail(generics.RetrieveAPIView):
    serializer_class = s.SessionSerializer
    permission_classes = [IsAuthenticated, requires(access.can_view_sessions)]

    def get_queryset(self):
        return _sessions(self.request.user)


class SessionAttendance(generics.ListAPIView):
    serializer_class = s.AttendanceSerializer

    def get_permissions(self):
        predicate = access.can_run_sessions if self.request.method == "POST" else access.can_view_sessions
        return [IsAuthenticated(), requires(predicate)()]

    def _session(self) -> Session:
        pk = access.parse_id(self.kwargs["pk"])
        session = _sessions(self.request.user).filter(pk=pk).first() if pk else None
        if session is None:
            raise Http404
        return session

    def get_queryset(self):
        return self._session().attendances.all()

    @extend_schema(
        request=s.AttendanceSubmitSerializer,
        responses={
            200: s.SubmissionAnswerSerializer,
            201: s.SubmissionAnswerSerializer,
            409: OpenApiTypes.OBJECT,
        },
        description="Mark attendance on a session, exactly as the tablet does (idempotent `client_id`).",
    )
    def post(self, request: Request, pk: int) -> Response:
        session = self._session()
        body = s.AttendanceSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        marks = [
            {"person_id": m["person"], "status": m["status"], "minutes": m.get("minutes")} for m in d["marks"]
        ]
        if any(access.parse_id(m["person_id"]) is None for m in marks):
            raise serializers.ValidationError({"marks": [API_NOT_FOUND]})
        try:
            answer, created = kurser_services.attendance_submit(
                session=session,
                marks=marks,
                client_id=d["client_id"],
                by=request.user,
                reason=d.get("reason", ""),
            )
        except kurser_services.SubmissionConflict as e:
            return Response({"detail": str(e.message)}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as e:
            return Response({"detail": _error_text(e)}, status=status.HTTP_400_BAD_REQUEST)
        if created:
            _audit(
                request,
                _g("API: %(n)s närvarorader på utbildningstillfälle %(id)s")
                % {"id": session.pk, "n": len(marks)},
                session=session.pk,
                client_id=str(d["client_id"]),
            )
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- the ESF summary ----------------------------------------------------------------------------


def _date(request: Request, name: str) -> dt.date | None:
    text = request.query_params.get(name)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise serializers.ValidationError({name: [API_PERIOD]}) from None


class EsfSummary(APIView):
    permission_classes = [IsAuthenticated, requires(access.can_view_reports)]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="default: the programme's start"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="default: the programme's end"),
            OpenApiParameter(
                "municipality",
                OpenApiTypes.STR,
                description="kommunkod; required for a key of some municipalities",
            ),
        ],
        responses={
            200: inline_serializer(
                "EsfSummary", {"programme": serializers.DictField(), "totals": serializers.DictField()}
            )
        },
        description="The ESF summary (spec §3), the same JSON as `esf_report --format json`.",
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request.user
        programme_id = access.parse_id(pk)
        programme = access.programmes_for(user).filter(pk=programme_id).first() if programme_id else None
        if programme is None:
            raise Http404
        date_from, date_to = _date(request, "from"), _date(request, "to")
        code = request.query_params.get("municipality", "").strip()
        municipality = None
        if code:
            municipality = access.municipalities_for(user).filter(code=code).first()
            if municipality is None:
                raise serializers.ValidationError({"municipality": [API_MUNICIPALITY_UNKNOWN]})
        elif not access.covers_all_municipalities(user):
            only = access.only_municipality(user)
            if only is None:
                raise serializers.ValidationError({"municipality": [API_MUNICIPALITY_REQUIRED]})
            municipality = access.municipalities_for(user).get(pk=only)
        if not access.can_view_reports(user):  # pragma: no cover - the permission class asks first
            raise PermissionDenied
        return Response(
            esf_summary(programme=programme, date_from=date_from, date_to=date_to, municipality=municipality)
        )
