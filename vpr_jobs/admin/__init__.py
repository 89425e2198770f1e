"""Staff-only admin for VPR jobs: inspect jobs, CVs, artifacts and API tokens; operate on jobs.

Django's autodiscovery imports this package; importing the modules below registers their
ModelAdmins. Where each concept lives:

- `jobs.py`: the jobs changelist and read-only detail, and the staff result view;
- `actions.py`: Retry, Cancel, Re-enqueue (through the services) and their limits;
- `filters.py`, `changelist.py`: what keeps the jobs list cheap at millions of rows;
- `display.py`: HTML pieces the pages share (JSON, tables, durations, badges, links);
- `readonly.py`: CVs and artifacts, view-only;
- `tokens.py`: API tokens, list and revoke only (replaces knox's own admin).
"""

from django.contrib import admin

from vpr_jobs.admin import jobs, readonly, tokens  # noqa: F401  (each registers its admins)

# The app list beside every admin page takes 300 px of a 1280 px screen, which the jobs
# changelist needs for its columns; the breadcrumbs and the index page still navigate.
admin.site.enable_nav_sidebar = False
