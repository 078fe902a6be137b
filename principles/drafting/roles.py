"""Who may do what in drafting: the permissions of the drafting roles and the decorators that
let in only the people holding them."""

from django.contrib.auth.decorators import login_required, permission_required, user_passes_test
from django.core.exceptions import PermissionDenied

DRAFTING_PERMISSIONS = [
    "principles.edit_draft",
    "principles.review_draft",
    "principles.publish_draft",
]
EDIT = "principles.edit_draft"


def any_permission_required(*permissions):
    """Let in a signed-in user holding any of `permissions`; 403 for everyone else."""

    def check(user):
        if any(user.has_perm(permission) for permission in permissions):
            return True
        raise PermissionDenied

    return user_passes_test(check)


def drafting_role_required(view):
    return login_required(any_permission_required(*DRAFTING_PERMISSIONS)(view))


def role_required(permission):
    def decorator(view):
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorator
