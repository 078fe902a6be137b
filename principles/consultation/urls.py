app_name = "consultation"

# The public side lives at /consultation/ (in every language); the staff side under
# /consultation/manage/.
urlpatterns = [
    # Public pages: the list, a consultation, an invited organisation's personal link.
    # Taking part: the form, confirming by email, withdrawing.
    # Moderation of contributions.
    # Editors' decisions on amendments and their replies.
    # What we heard: the report as HTML, CSV and signed PDF.
]
