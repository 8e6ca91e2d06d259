"""The one place where domain errors become HTTP answers (api.md codes)."""
from __future__ import annotations

from regcommon.errors import ApiError

from .domain import errors, no_show

STATUS = {
    errors.SlotNotFound: 404,
    errors.SlotUnavailable: 409,
    errors.NotSelfBookable: 403,
    errors.NotAttached: 403,
    errors.ConsentRequired: 422,
    errors.OutsideBookingHorizon: 422,
    errors.SameDayNotAllowed: 422,
    errors.InThePast: 422,
    errors.DuplicateSpecialty: 422,
    errors.CancelTooLate: 409,
    errors.RescheduleTooLate: 409,
    errors.RescheduleNotAllowed: 422,
    errors.WaitlistLimitReached: 422,
    errors.NotActive: 409,
    errors.AppointmentChanged: 409,
    errors.NotFound: 404,
    errors.PatientNotFound: 404,
    errors.Forbidden: 403,
    errors.InvalidInput: 422,
    errors.IdempotencyKeyReused: 422,
    errors.RequestInProgress: 409,
    no_show.TooEarlyToMark: 422,
    no_show.OnlineBookingSuspended: 403,
    errors.ReferralRequired: 422,
    errors.ReferralInvalid: 422,
    errors.ReferralNotFound: 404,
    errors.ReferralNotActive: 409,
}


def to_api_error(error: errors.BookingError) -> ApiError:
    status = STATUS.get(type(error), 422)
    return ApiError(status, error.code, error.message, error.fields)
