"""Rendering the drafting pages that hold a form."""

from django.shortcuts import render

from ..models import Translation, Version, VersionStateError


def form_page(
    request,
    template: str,
    context: dict,
    *,
    refusal: VersionStateError | None = None,
    of: Version | Translation | None = None,
):
    """Render a page holding a form. After a save refused (`refusal`, a VersionStateError)
    because the draft or translation `of` left the editing state meanwhile, answer 409: the
    form still holds what was typed, and `refusal.html` says why and offers what can be done
    from the state `of` is in now."""
    if refusal is None:
        return render(request, template, context)
    of.refresh_from_db()
    return render(request, template, {**context, "refusal": str(refusal)}, status=409)
