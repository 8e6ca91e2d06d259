"""SQLAlchemy models of the catalog. Ids are the region file's string ids (``o-0001``...).

``position`` keeps the order of the region file, which the demo generator and regional editors use
to put the most relevant entries first (the regional centre before the районы).
"""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class District(Base):
    __tablename__ = "districts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)


class OrganizationType(Base):
    __tablename__ = "organization_types"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        # The patient's first step filters by district, then by type within it.
        Index("ix_organizations_district_type", "district_id", "type_id"),
        Index("ix_organizations_type", "type_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str] = mapped_column(String(255))
    address: Mapped[str] = mapped_column(String(500))
    phone: Mapped[str] = mapped_column(String(64))
    district_id: Mapped[str] = mapped_column(ForeignKey("districts.id"))
    type_id: Mapped[str] = mapped_column(ForeignKey("organization_types.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    booking_horizon_days: Mapped[int] = mapped_column(Integer, default=14)
    day_opens_at: Mapped[str] = mapped_column(String(5), default="07:00")
    same_day_booking: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_cutoff_hours: Mapped[int] = mapped_column(Integer, default=0)
    no_show_limit: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    no_show_window_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    no_show_suspend_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # Lower-cased name, short name and address: SQLite's lower() folds ASCII only, so the
    # Cyrillic-aware folding is done in Python once, at import time (see domain.search).
    search_text: Mapped[str] = mapped_column(Text, default="")


class Subdivision(Base):
    __tablename__ = "subdivisions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(500))
    address: Mapped[str] = mapped_column(String(500))


class Service(Base):
    __tablename__ = "services"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(500))
    specialty: Mapped[str] = mapped_column(String(255))
    self_bookable: Mapped[bool] = mapped_column(Boolean, default=True)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_attachment: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bookable only with a doctor's referral (направление), which booking checks and uses up.
    requires_referral: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())


class Doctor(Base):
    __tablename__ = "doctors"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    last_name: Mapped[str] = mapped_column(String(128))
    first_name: Mapped[str] = mapped_column(String(128))
    middle_name: Mapped[str] = mapped_column(String(128), default="")
    specialty: Mapped[str] = mapped_column(String(255))
    subdivision_id: Mapped[str | None] = mapped_column(ForeignKey("subdivisions.id"), index=True,
                                                       nullable=True)
    room: Mapped[str] = mapped_column(String(64), default="")


class DoctorService(Base):
    __tablename__ = "doctor_services"

    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"), primary_key=True)
    # "Doctors of a service" is the hot query of the patient flow.
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id"), primary_key=True, index=True)


class DoctorArea(Base):
    __tablename__ = "doctor_areas"

    doctor_id: Mapped[str] = mapped_column(ForeignKey("doctors.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(32), primary_key=True)


metadata = Base.metadata
