"""`{% load kurser_tags %}{% ombud_home_data as home %}`: the ombud's start page numbers."""

from __future__ import annotations

from django import template

from kurser import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def ombud_home_data(context) -> dict:
    user = context["request"].user
    upcoming, _past = selectors.my_sessions(user=user)
    return {"upcoming": list(upcoming[:4]), "reach": selectors.my_reach(user=user)}
