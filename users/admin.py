from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from users import services
from users.models import OnboardingAnswer, User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "role")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email=email).exists():
            raise forms.ValidationError("A user with this e-mail address already exists.")
        return email


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class OnboardingAnswerInline(admin.TabularInline):
    model = OnboardingAnswer
    extra = 0
    autocomplete_fields = ["university"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["-created_at"]
    list_display = ["email", "id", "first_name", "last_name", "role", "is_email_verified", "is_active", "created_at"]
    list_filter = ["role", "is_email_verified", "is_active", "is_staff", "is_superuser", "created_at"]
    search_fields = ["email", "first_name", "last_name", "id", "phone", "username"]
    readonly_fields = ["id", "created_at", "updated_at", "last_login"]
    inlines = [OnboardingAnswerInline]
    actions = ["resend_verification"]
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Profile", {"fields": ("first_name", "last_name", "username", "phone", "avatar", "headline", "bio")}),
        ("Role and status", {"fields": ("role", "is_email_verified", "is_active", "is_staff", "is_superuser")}),
        ("Permissions", {"classes": ("collapse",), "fields": ("groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "usable_password", "password1", "password2")}),
    )

    @admin.action(description="Re-send the verification e-mail")
    def resend_verification(self, request, queryset):
        sent = 0
        for user in queryset.filter(is_email_verified=False, is_active=True):
            services.email_verification_send(user=user)
            sent += 1
        self.message_user(request, f"Verification e-mail sent to {sent} user(s).", messages.SUCCESS)


@admin.register(OnboardingAnswer)
class OnboardingAnswerAdmin(admin.ModelAdmin):
    list_display = ["user", "university", "degree", "graduation_year", "created_at"]
    list_filter = ["graduation_year"]
    search_fields = ["user__email", "degree", "interests", "university__name"]
    list_select_related = ["user", "university"]
    autocomplete_fields = ["user", "university"]
