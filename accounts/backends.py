from django.contrib.auth.backends import ModelBackend

from core.generations import USER_WITH_GENERATIONS

from .models import User


class MemberBackend(ModelBackend):
    """Django's password backend, whose signed-in user also carries the counters that
    key the page cache (core/pagecache.py): a page served from the cache then costs no
    query beyond the session's and the user's.

    The query is written out because building it with the ORM costs more than running
    it, on every signed-in request.
    """

    def get_user(self, user_id):
        user = next(iter(User._default_manager.raw(USER_WITH_GENERATIONS, [user_id])), None)
        return user if self.user_can_authenticate(user) else None
