"""Registratura schedule service: templates, absences, slots and their occupancy, holds, quotas."""
