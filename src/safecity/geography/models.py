"""Vietnam's administrative divisions since 1 July 2025: 34 provinces, 3,321 wards
(phường, xã, đặc khu). Districts no longer exist."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    code = models.PositiveSmallIntegerField(_("code"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    division_type = models.CharField(_("division type"), max_length=40)
    codename = models.CharField(_("code name"), max_length=100)
    phone_code = models.PositiveSmallIntegerField(_("phone area code"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Ward(models.Model):
    class DivisionType(models.TextChoices):
        PHUONG = "phường", _("ward (phường)")
        XA = "xã", _("commune (xã)")
        DAC_KHU = "đặc khu", _("special zone (đặc khu)")

    code = models.PositiveIntegerField(_("code"), primary_key=True)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="wards", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    division_type = models.CharField(
        _("division type"), max_length=10, choices=DivisionType.choices
    )
    codename = models.CharField(_("code name"), max_length=100)
    search_key = models.CharField(
        max_length=100,
        db_index=True,
        editable=False,
        help_text=_("Diacritic-free, lower-case name for look-ups."),
    )
    # Boundary (GeoJSON geometry, WGS84) where the force's boundary file has it.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    label_lat = models.FloatField(null=True, blank=True)
    label_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["province_id", "name"]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")

    def __str__(self) -> str:
        return self.name

    @property
    def short_name(self) -> str:
        """The name without its division word: "Phường Sài Gòn" → "Sài Gòn"."""
        prefix = str(self.division_type)
        lowered = self.name.lower()
        if lowered.startswith(prefix + " "):
            return self.name[len(prefix) + 1 :]
        return self.name
