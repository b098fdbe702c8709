"""Task forms: a JSON Schema and its UI schema per user task (`definition`: loading and checking a form, turning
an HTML post into typed data, showing values), the check of submitted data with one human message per field
(`validation`), and the date rules a schema cannot say (`rules`)."""
from .definition import Form, FormError, blanks, coerce, defaults, load_form

__all__ = ["Form", "FormError", "blanks", "coerce", "defaults", "load_form"]
