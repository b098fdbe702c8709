"""Form posts with file fields: kept entries come back as JSON in the field, new files in request.files."""
from __future__ import annotations

import json

from werkzeug.datastructures import MultiDict

from engine.work.files import file_fields


def split_files(form, posted, files):
    """(form data with kept file entries as dicts, [(field, filename, bytes)] of new uploads)."""
    data = MultiDict(posted)
    uploads = []
    for name in file_fields(form):
        kept = []
        for text in posted.getlist(name):
            try:
                item = json.loads(text)
            except ValueError:
                continue
            if isinstance(item, dict):
                kept.append(item)
        data.setlist(name, kept)
        uploads += [(name, f.filename, f.read()) for f in files.getlist(name) if f and f.filename]
    return data, uploads
