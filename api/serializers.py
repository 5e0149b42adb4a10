"""The shapes of the API: read serializers (plain fields, ids for relations) and strict write
serializers (an unknown field is a 400 naming it; types are checked here, rules in the services)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from api.messages import API_UNKNOWN_FIELD
from kurser.models import Attendance, AttendanceStatus, Course, Form, Session
from ombud import access
from ombud.models import Municipality, Person, Programme, Workplace


class Strict:
    """Refuse fields the serializer does not know, naming each (issue 13: "unknown fields")."""

    fields: Mapping[str, Any]

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [API_UNKNOWN_FIELD] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


# --- read ---------------------------------------------------------------------------------------


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "code", "name", "org_number"]


class ProgrammeSerializer(serializers.ModelSerializer):
    municipalities = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["id", "code", "name", "funder", "case_id", "start_date", "end_date", "municipalities"]


class WorkplaceSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code", read_only=True)

    class Meta:
        model = Workplace
        fields = ["id", "name", "sector", "municipality"]


class PersonSerializer(serializers.ModelSerializer):
    personnummer = serializers.SerializerMethodField(
        help_text="YYYYMMDD-NNNN, or YYYYMMDD-**** unless the key's role may see personnummer."
    )
    municipality = serializers.CharField(source="municipality.code", read_only=True)
    workplace = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "personnummer",
            "first_name",
            "last_name",
            "gender",
            "birth_date",
            "municipality",
            "workplace",
            "target_group",
            "email",
            "updated_at",
        ]

    def get_personnummer(self, person: Person) -> str:
        if access.can_see_personnummer(self.context["request"].user):
            return person.personnummer_display
        return person.personnummer_masked


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = ["id", "title", "tool", "level", "type"]


class SessionSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.code", read_only=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "programme",
            "course",
            "municipality",
            "workplace",
            "trainer",
            "trainer_name",
            "date",
            "start_time",
            "planned_minutes",
            "form",
            "small_group",
            "status",
            "approved_at",
        ]


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["id", "session", "person", "status", "minutes", "recorded_at"]


# --- write --------------------------------------------------------------------------------------


def _text(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=True, **kwargs)


class PersonUpsertSerializer(Strict, serializers.Serializer):
    """One member of staff, as one row of the people import (spec §1a): the importer's words
    (`kvinna`, `baspersonal`, `äldreomsorg`), its rules and its messages. Required values are
    the importer's to check, so a missing one is reported like an empty cell."""

    personnummer = _text(max_length=20)
    first_name = _text(max_length=200)
    last_name = _text(max_length=200)
    gender = _text(max_length=20, help_text="kvinna, man, annat; empty: derived from the personnummer")
    municipality = _text(max_length=100, help_text="name or 4-digit kommunkod")
    workplace = _text(max_length=300, help_text="name within the municipality; created if new")
    sector = _text(max_length=30, help_text="äldreomsorg or funktionshinder (for a new workplace)")
    target_group = _text(max_length=40)
    email = _text(max_length=300)


# JSON field → the import's column (key for the handler, label in its messages).
PERSON_COLUMNS = {
    "personnummer": ("personnummer", "personnummer"),
    "first_name": ("fornamn", "förnamn"),
    "last_name": ("efternamn", "efternamn"),
    "gender": ("kon", "kön"),
    "municipality": ("kommun", "kommun"),
    "workplace": ("arbetsplats", "arbetsplats"),
    "sector": ("verksamhet", "verksamhet"),
    "target_group": ("malgrupp", "målgrupp"),
    "email": ("epost", "e-post"),
}


class UpsertResultSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class MarkSerializer(Strict, serializers.Serializer):
    person = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(choices=AttendanceStatus.values)
    minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class AttendanceSubmitSerializer(Strict, serializers.Serializer):
    """The tablet's submission: the same client id makes a replay return the stored answer."""

    client_id = serializers.UUIDField()
    marks = MarkSerializer(many=True, max_length=1000)
    reason = _text(max_length=500)


class SessionWriteSerializer(Strict, serializers.Serializer):
    """A session with its attendance, stored once per `client_id` (replays answer the same)."""

    client_id = serializers.UUIDField()
    programme = serializers.IntegerField(min_value=1)
    course = serializers.IntegerField(min_value=1)
    municipality = serializers.IntegerField(min_value=1)
    workplace = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    trainer = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    trainer_name = _text(max_length=200)
    date = serializers.DateField()
    start_time = serializers.TimeField()
    planned_minutes = serializers.IntegerField()
    form = serializers.ChoiceField(choices=Form.choices, default=Form.ON_SITE)
    small_group = serializers.BooleanField(default=False)
    marks = MarkSerializer(many=True, max_length=1000, required=False, default=list)


class SubmissionAnswerSerializer(serializers.Serializer):
    client_id = serializers.UUIDField()
    session = serializers.IntegerField()
    session_status = serializers.CharField()
    marks = serializers.ListField(child=serializers.DictField())
    saved_at = serializers.DateTimeField()
