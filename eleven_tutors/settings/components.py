"""Every settings module of the package, in order: each may use the settings of those above it.

Not a settings module by itself: the errors these modules collect are raised by the settings
module Django loads, ``eleven_tutors.settings`` (the service) or ``eleven_tutors.settings.test``.
"""

# ruff: noqa: F403, I001 (the order is the order the modules are read in)
from eleven_tutors.settings.base import *
from eleven_tutors.settings.security import *
from eleven_tutors.settings.api import *
from eleven_tutors.settings.database import *
from eleven_tutors.settings.cache import *
from eleven_tutors.settings.storage import *
from eleven_tutors.settings.email import *
from eleven_tutors.settings.video import *
from eleven_tutors.settings.payments import *
from eleven_tutors.settings.community import *
from eleven_tutors.settings.notifications import *
from eleven_tutors.settings.live import *
from eleven_tutors.settings.celery import *
from eleven_tutors.settings.observability import *
