"""What a demo organization of each type offers: services and how many doctors provide each."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceKind:
    name: str
    specialty: str
    self_bookable: bool = True
    paid: bool = False
    requires_attachment: bool = False
    requires_referral: bool = False  # bookable only with a doctor's referral (направление)
    # Doctors who serve an attachment area (участок) get an area number each.
    by_area: bool = False
    slot_minutes: tuple[int, ...] = (15, 20)


THERAPIST = ServiceKind("Приём врача-терапевта участкового", "Терапия",
                        requires_attachment=True, by_area=True, slot_minutes=(15,))
PEDIATRICIAN = ServiceKind("Приём врача-педиатра участкового", "Педиатрия",
                           requires_attachment=True, by_area=True, slot_minutes=(15, 20))
GP = ServiceKind("Приём врача общей практики", "Общая врачебная практика",
                 requires_attachment=True, by_area=True, slot_minutes=(15, 20))
SURGEON = ServiceKind("Приём врача-хирурга", "Хирургия")
PED_SURGEON = ServiceKind("Приём врача — детского хирурга", "Детская хирургия")
OPHTHALMOLOGIST = ServiceKind("Приём врача-офтальмолога", "Офтальмология")
ENT = ServiceKind("Приём врача-оториноларинголога", "Оториноларингология")
NEUROLOGIST = ServiceKind("Приём врача-невролога", "Неврология", slot_minutes=(20, 30))
CARDIOLOGIST = ServiceKind("Приём врача-кардиолога", "Кардиология", slot_minutes=(20, 30))
ENDOCRINOLOGIST = ServiceKind("Приём врача-эндокринолога", "Эндокринология",
                              requires_referral=True, slot_minutes=(20, 30))
UROLOGIST = ServiceKind("Приём врача-уролога", "Урология")
GASTRO = ServiceKind("Приём врача-гастроэнтеролога", "Гастроэнтерология", slot_minutes=(20, 30))
RHEUMATOLOGIST = ServiceKind("Приём врача-ревматолога", "Ревматология", slot_minutes=(30,))
PULMONOLOGIST = ServiceKind("Приём врача-пульмонолога", "Пульмонология", slot_minutes=(20, 30))
TRAUMATOLOGIST = ServiceKind("Приём врача-травматолога-ортопеда", "Травматология и ортопедия")
GYNECOLOGIST = ServiceKind("Приём врача-акушера-гинеколога", "Акушерство и гинекология",
                           slot_minutes=(20, 30))
ULTRASOUND = ServiceKind("Ультразвуковое исследование", "Ультразвуковая диагностика",
                         self_bookable=False, slot_minutes=(20, 30))
ECG = ServiceKind("Электрокардиография", "Функциональная диагностика", self_bookable=False,
                  slot_minutes=(15, 20))
MRI = ServiceKind("Магнитно-резонансная томография (платно)", "Лучевая диагностика",
                  self_bookable=False, paid=True, slot_minutes=(30,))
DENTIST = ServiceKind("Приём врача-стоматолога-терапевта", "Стоматология", slot_minutes=(30,))
DENTIST_PAID = ServiceKind("Лечение зубов (платно)", "Стоматология", paid=True,
                           slot_minutes=(30,))
DENTAL_SURGEON = ServiceKind("Приём врача-стоматолога-хирурга", "Стоматология хирургическая",
                             slot_minutes=(30,))
ORTHODONTIST = ServiceKind("Приём врача-ортодонта (платно)", "Ортодонтия", paid=True,
                           slot_minutes=(30,))
PED_DENTIST = ServiceKind("Приём врача — детского стоматолога", "Стоматология детская",
                          slot_minutes=(30,))

# (service, fewest doctors, most doctors, probability of the service being offered)
Offer = tuple[ServiceKind, int, int, float]

PROFILES: dict[str, tuple[Offer, ...]] = {
    "regional": ((CARDIOLOGIST, 2, 5, 1), (ENDOCRINOLOGIST, 2, 4, 1), (NEUROLOGIST, 2, 4, 1),
                 (GASTRO, 1, 3, 0.9), (UROLOGIST, 1, 3, 0.8), (RHEUMATOLOGIST, 1, 2, 0.7),
                 (PULMONOLOGIST, 1, 3, 0.7), (SURGEON, 2, 4, 0.8), (ULTRASOUND, 2, 4, 1),
                 (MRI, 1, 2, 0.6)),
    "city": ((THERAPIST, 14, 26, 1), (GP, 2, 5, 0.7), (SURGEON, 2, 4, 1),
             (OPHTHALMOLOGIST, 2, 3, 1), (ENT, 2, 3, 1), (NEUROLOGIST, 2, 4, 1),
             (CARDIOLOGIST, 1, 2, 0.8), (ENDOCRINOLOGIST, 1, 2, 0.8),
             (TRAUMATOLOGIST, 1, 2, 0.5), (ULTRASOUND, 2, 3, 1), (ECG, 1, 2, 0.5)),
    "district": ((THERAPIST, 6, 12, 1), (PEDIATRICIAN, 3, 6, 1), (GP, 1, 3, 0.6),
                 (SURGEON, 1, 3, 1), (OPHTHALMOLOGIST, 1, 2, 0.9), (ENT, 1, 2, 0.8),
                 (NEUROLOGIST, 1, 2, 0.9), (GYNECOLOGIST, 1, 3, 0.9), (DENTIST, 1, 3, 0.9),
                 (ULTRASOUND, 1, 2, 1)),
    "outpatient": ((GP, 1, 3, 1), (THERAPIST, 1, 2, 1), (PEDIATRICIAN, 1, 2, 1),
                   (DENTIST, 1, 1, 0.7), (GYNECOLOGIST, 1, 1, 0.4)),
    "children": ((PEDIATRICIAN, 10, 18, 1), (PED_SURGEON, 1, 3, 1), (OPHTHALMOLOGIST, 1, 3, 1),
                 (ENT, 1, 3, 1), (NEUROLOGIST, 1, 3, 1), (ENDOCRINOLOGIST, 1, 2, 0.6),
                 (ULTRASOUND, 1, 2, 1), (PED_DENTIST, 1, 2, 0.5)),
    "dental": ((DENTIST, 3, 8, 1), (DENTIST_PAID, 2, 6, 1), (DENTAL_SURGEON, 1, 3, 1),
               (ORTHODONTIST, 1, 2, 0.7), (PED_DENTIST, 1, 3, 0.6)),
    "women": ((GYNECOLOGIST, 4, 10, 1), (ULTRASOUND, 1, 3, 1), (ENDOCRINOLOGIST, 1, 1, 0.5),
              (THERAPIST, 1, 2, 0.3)),
    "diagnostic": ((ULTRASOUND, 3, 6, 1), (ECG, 2, 4, 1), (MRI, 1, 3, 0.8),
                   (CARDIOLOGIST, 2, 4, 1), (ENDOCRINOLOGIST, 1, 3, 0.9),
                   (GASTRO, 1, 2, 0.7)),
}
