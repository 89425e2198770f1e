"""Admin for API tokens: list and revoke, never read or mint.

Replaces knox's own admin, whose add form shows the new raw token to the staff member who
creates it: a way for staff to hold another user's key. Here a token is identified by the
first characters of its lookup prefix; the database has no more of it than a digest, and
only its owner (`create_api_user`, `POST /api/token/rotate`) ever sees it whole.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone
from knox.models import AuthToken

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("token_hint", "user", "created", "expiry", "expired")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    fields = ("token_hint", "user", "created", "expiry", "expired")
    readonly_fields = fields
    ordering = ("-created",)

    @admin.display(description="token")
    def token_hint(self, token: AuthToken) -> str:
        return f"{token.token_key[:6]}…"

    @admin.display(boolean=True)
    def expired(self, token: AuthToken) -> bool:
        return token.expiry is not None and token.expiry < timezone.now()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a token minted here would be read by staff, not its owner

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False  # revoking (delete) is the only change
