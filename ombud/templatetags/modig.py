"""Template filters: `{% load modig %}` then `{{ n|num }}`, `{{ h|hours }}`, `{{ n|num:2 }}`."""

from __future__ import annotations

from django import template

from ombud import formatting

register = template.Library()


@register.filter
def num(value, decimals=0):
    return formatting.num(value, int(decimals))


@register.filter
def hours(value):
    return formatting.hours(value)


@register.filter
def percent(part, whole):
    return formatting.percent(part, whole)
