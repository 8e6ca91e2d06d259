"""The schedule's reads: a doctor, the day grid (online or by the reception rules) and a day's
slots. Mixed into :class:`schedule.services.Schedule`, whose attributes (its ports) they use."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from .domain import bookability as rules_mod
from .domain.doctors import DoctorInfo
from .domain.errors import DoctorNotFound, ServiceNotProvided


def iso_local(value: datetime, zone) -> str:
    return value.astimezone(zone).isoformat()


def local_midnight(day: date, zone) -> datetime:
    """The UTC instant at which ``day`` begins in the organization's zone."""
    return datetime.combine(day, datetime.min.time(), zone).astimezone(timezone.utc)


class ScheduleReads:
    """Reads over ``self.store``, ``self.directory``, ``self.orgs`` and ``self.clock``."""

    def doctor(self, doctor_id: str, service_id: str | None) -> DoctorInfo:
        info = self.directory.get(doctor_id)
        if info is None:
            raise DoctorNotFound(doctor_id)
        if service_id is not None and service_id not in info.service_ids:
            raise ServiceNotProvided(service_id)
        return info

    def days(self, doctor_id: str, service_id: str, first: date, last: date, *,
             reception: bool = False) -> list[dict]:
        info = self.doctor(doctor_id, service_id)
        if reception:
            return self._reception_days(info, first, last)
        rules = self.orgs.rules(info.organization_id, info.timezone)
        now = self.clock()
        today = rules_mod.local_now(rules, now).date()
        open_from = rules_mod.first_open_date(rules, now)
        open_to = rules_mod.last_open_date(rules, now)
        with self.store.reading() as unit:
            rows = unit.day_grid(doctor_id, first, last)
            live_today = None
            if rules.same_day_booking and first <= today <= last and today in rows:
                # Today's counter includes slots that have already started: count live.
                live_today = unit.free_from_now(doctor_id, today, now,
                                                local_midnight(today + timedelta(days=1), rules.zone))
        items = []
        day = first
        one_day = timedelta(days=1)
        while day <= last:
            row = rows.get(day)
            if row is not None:
                interval = None if row.blocked else row.interval
                free = 0 if row.blocked else (live_today if day == today and live_today is not None
                                              else row.free)
            else:  # not generated yet (beyond the horizon) or long past: the template says
                interval = (None if info.template is None or info.absent_on(day)
                            else info.template.interval_text(day))
                free = 0
            bookable = interval is not None and free > 0 and open_from <= day <= open_to
            items.append({"date": day.isoformat(), "interval": interval, "bookable": bookable,
                          "free": free})
            day += one_day
        return items

    def _reception_days(self, info: DoctorInfo, first: date, last: date) -> list[dict]:
        """The day grid by the reception rules: free slots of any channel that have not started,
        no horizon or same-day limits (staff only, so a slots query is affordable here)."""
        zone = self.orgs.rules(info.organization_id, info.timezone).zone
        now = self.clock()
        with self.store.reading() as unit:
            rows = unit.day_grid(info.id, first, last)
            free_by_day = unit.reception_free(info.id, local_midnight(first, zone),
                                              local_midnight(last + timedelta(days=1), zone),
                                              now)
        items = []
        day = first
        while day <= last:
            row = rows.get(day)
            if row is not None:
                interval = None if row.blocked else row.interval
                free = 0 if row.blocked else free_by_day.get(day, 0)
            else:
                interval = (None if info.template is None or info.absent_on(day)
                            else info.template.interval_text(day))
                free = 0
            items.append({"date": day.isoformat(), "interval": interval,
                          "bookable": interval is not None and free > 0, "free": free})
            day += timedelta(days=1)
        return items

    def day_slots(self, doctor_id: str, service_id: str, day: date, *,
                  reception: bool = False) -> list[dict]:
        info = self.doctor(doctor_id, service_id)
        rules = self.orgs.rules(info.organization_id, info.timezone)
        zone = rules.zone
        begin = local_midnight(day, zone)
        end = local_midnight(day + timedelta(days=1), zone)
        now = self.clock()
        day_open = rules_mod.date_bookable_online(rules, day, now)
        with self.store.reading() as unit:
            rows = unit.day_slots(doctor_id, begin, end)
        items = []
        for row in rows:
            start = rules_mod.as_utc(row.start_utc)
            held_until = rules_mod.as_utc(row.hold_expires_at)
            if reception:
                bookable = rules_mod.slot_bookable_at_reception(
                    start_utc=start, status=row.status, hold_expires_at=held_until, now_utc=now)
            else:
                bookable = day_open and rules_mod.slot_bookable_online(
                    rules, day=day, start_utc=start, status=row.status, channel=row.channel,
                    hold_expires_at=held_until, now_utc=now)
            items.append({"id": str(row.id), "start": iso_local(start, zone),
                          "end": iso_local(rules_mod.as_utc(row.end_utc), zone),
                          "bookable": bookable})
        return items
