"""Data protection and research ethics: forget, do-not-contact list, subject access, retention and
the provenance report (`harvester explain`). See the README section "Ethics and data protection".

    forget.Subject, forget.forget, forget.erase_from_archives, forget.archive_paths
    suppress_io.read_suppressions, suppress_io.import_suppressions, suppress_io.list_suppressions
    subject_access.subject_access, subject_access.render_text
    retention.prune, retention.is_personal
    explain.explain, explain.render_text
"""

from harvester.privacy.retention import prune

__all__ = ["prune"]
