"""Domain errors with business names. Each carries its stable API code and a Russian message;
``booking.api_errors`` maps them to HTTP statuses in one place."""
from __future__ import annotations


class BookingError(Exception):
    code = "booking_error"
    message = "Запись невозможна"

    def __init__(self, message: str | None = None, fields: dict | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message
        self.fields = fields


class SlotNotFound(BookingError):
    code = "slot_not_found"
    message = "Выбранное время не найдено. Выберите время заново"


class SlotUnavailable(BookingError):
    code = "slot_unavailable"
    message = "Это время уже занято или недоступно. Выберите другое время"


class NotSelfBookable(BookingError):
    code = "not_self_bookable"
    message = ("На эту услугу нельзя записаться через портал: обратитесь в регистратуру "
               "медицинской организации")


class NotAttached(BookingError):
    code = "not_attached"
    message = ("Запись на эту услугу доступна только пациентам, прикреплённым к этой медицинской "
               "организации (участку). Обратитесь в регистратуру")


class ConsentRequired(BookingError):
    code = "consent_required"
    message = "Нужно согласие на обработку персональных данных актуальной версии"


class OutsideBookingHorizon(BookingError):
    code = "outside_booking_horizon"
    message = "Запись на эту дату ещё не открыта. Выберите более раннюю дату"


class SameDayNotAllowed(BookingError):
    code = "same_day_not_allowed"
    message = ("Запись на сегодня через портал не ведётся: позвоните в регистратуру или "
               "обратитесь в медицинскую организацию")


class InThePast(BookingError):
    code = "in_the_past"
    message = "Это время уже прошло. Выберите другое время"


class DuplicateSpecialty(BookingError):
    code = "duplicate_specialty"
    message = ("У вас уже есть активная запись к врачу этой специальности. Отмените или "
               "перенесите её, чтобы записаться снова")


class CancelTooLate(BookingError):
    code = "cancel_too_late"
    message = ("Отменить запись через портал уже нельзя: позвоните в регистратуру "
               "медицинской организации")


class RescheduleTooLate(BookingError):
    code = "reschedule_too_late"
    message = ("Перенести запись через портал уже нельзя: позвоните в регистратуру "
               "медицинской организации")


class RescheduleNotAllowed(BookingError):
    code = "reschedule_not_allowed"
    message = ("Перенести запись можно только на эту же услугу к врачу той же специальности "
               "в той же медицинской организации")


class WaitlistLimitReached(BookingError):
    code = "waitlist_limit_reached"
    message = "В листе ожидания уже {limit} заявок. Отмените ненужную заявку, чтобы добавить новую"

    def __init__(self, limit: int):
        super().__init__(self.message.format(limit=limit))


class NotActive(BookingError):
    code = "appointment_not_active"
    message = "Запись уже отменена или завершена"


class AppointmentChanged(BookingError):
    code = "appointment_changed"
    message = "Запись была изменена одновременно с вашим запросом. Обновите страницу"


class NotFound(BookingError):
    code = "not_found"
    message = "Запись не найдена"


class PatientNotFound(BookingError):
    code = "patient_not_found"
    message = "Пациент не найден в регистре"


class Forbidden(BookingError):
    code = "forbidden"
    message = "Недостаточно прав для этого действия"


class InvalidInput(BookingError):
    code = "validation_failed"
    message = "Проверьте правильность заполнения полей"


class IdempotencyKeyReused(BookingError):
    code = "idempotency_key_reused"
    message = "Этот Idempotency-Key уже использован для другого запроса"


class RequestInProgress(BookingError):
    code = "request_in_progress"
    message = "Запрос с этим Idempotency-Key ещё выполняется, повторите его через несколько секунд"


class ReferralError(BookingError):
    """A referral-only service without a usable referral (booking/referrals.py)."""


class ReferralRequired(ReferralError):
    code = "referral_required"
    message = ("На эту услугу записывают только по направлению врача, а действующего "
               "направления на неё у пациента нет: его выдаёт лечащий врач или регистратура")


class ReferralInvalid(ReferralError):
    code = "referral_invalid"
    message = ("Это направление нельзя использовать: оно выдано на другую услугу или другого "
               "пациента, истёк его срок или оно уже использовано")


class ReferralNotFound(NotFound):
    message = "Направление не найдено"


class ReferralNotActive(BookingError):
    code = "referral_not_active"
    message = "Направление уже использовано или отменено: отменить его нельзя"


class RecordConflict(Exception):
    """A uniqueness rule of booking's records refused a write: the Idempotency-Key already has
    an answer, or the reconciler already gave up the appointment's slot. Not an answer by
    itself: the use case reads what is there and answers from it."""
