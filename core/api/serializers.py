from rest_framework import serializers

from core.models import University


class UniversitySerializer(serializers.ModelSerializer):
    class Meta:
        model = University
        fields = [
            "id",
            "name",
            "description",
            "logo",
            "website",
            "country",
            "city",
            "location",
            "global_rank",
            "country_rank",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class UniversityImportSerializer(serializers.ModelSerializer):
    """Validates one row of a university dataset (see ``manage.py load_universities``)."""

    class Meta:
        model = University
        fields = ["name", "description", "website", "country", "city", "location", "global_rank", "country_rank"]
        extra_kwargs = {"name": {"validators": []}}  # upsert by name: existing names are updates


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()
    checks = serializers.DictField(child=serializers.CharField(), required=False)
