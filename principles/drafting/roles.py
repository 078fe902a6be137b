"""Who may do what in drafting: the permissions of the drafting roles and the decorators that
let in only the people holding them. A form posted after the session expired is answered with
a sign-in form that keeps the typed text and saves it once the person signs in again
(`declaration_site.signing_in_again`)."""

from declaration_site.signing_in_again import sign_in_keeping_typed_text

DRAFTING_PERMISSIONS = [
    "principles.edit_draft",
    "principles.review_draft",
    "principles.publish_draft",
]
EDIT = "principles.edit_draft"


def any_role_required(*permissions):
    """Let in a signed-in user holding any of `permissions`; 403 for everyone else."""
    return sign_in_keeping_typed_text(
        lambda user: any(user.has_perm(permission) for permission in permissions)
    )


def drafting_role_required(view):
    """Let in a signed-in user holding any drafting role; 403 for everyone else."""
    return any_role_required(*DRAFTING_PERMISSIONS)(view)


def role_required(permission):
    """Let in a signed-in user holding `permission`; 403 for everyone else."""
    return sign_in_keeping_typed_text(lambda user: user.has_perm(permission))
