"""Timings that need no server: rendering a note, the who-has-read-what matrix, and a page
with stored note HTML versus one that re-renders Markdown on every view.

Runs on a temporary SQLite database (the embedded default). Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.mkdtemp(prefix="readinggroup-micro.")) / "micro.sqlite3"
os.environ.update(
    DJANGO_SETTINGS_MODULE="readinggroup.settings",
    DATABASE_URL=f"sqlite:///{DB}",
    DEBUG="true",
    ALLOWED_HOSTS="testserver",
)
os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

NOTE = """## Pass 2

The paper frames denoising as learning the reverse of a fixed noising process
$q(x_t \\mid x_{t-1}) = \\mathcal{N}(x_t; \\sqrt{1-\\beta_t}\\,x_{t-1}, \\beta_t I)$ and trains a
network to predict the added noise:

$$L = \\mathbb{E}_{t, x_0, \\epsilon}\\left[\\|\\epsilon - \\epsilon_\\theta(x_t, t)\\|^2\\right]$$

| schedule | FID | steps |
|---|---|---|
| linear | 3.17 | 1000 |
| cosine | 2.94 | 1000 |

- The *simple* loss drops the weighting term and works **better** in practice.
- Sampling is slow: every step is a full network evaluation, see [the follow-up](https://arxiv.org/abs/2010.02502).
- `x_t = sqrt(a_bar) * x_0 + sqrt(1 - a_bar) * eps` is the line to remember.

```python
def q_sample(x0, t, noise):
    return sqrt_alphas_cumprod[t] * x0 + sqrt_one_minus_alphas_cumprod[t] * noise
```

> Are the results convincing? The ablations are thin: one dataset for most of them.

"""


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def describe(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms (n={len(times)})"


def main() -> None:
    from accounts.models import User
    from clubs.models import Club, Meeting, Membership, Role
    from notes.markdown import render_markdown
    from notes.models import STAGES, Note, Reading, Visibility
    from papers.models import Curriculum, Paper, Phase, Placement

    call_command("migrate", verbosity=0)
    rng = random.Random(1)

    text = NOTE * (4096 // len(NOTE) + 1)
    text = text[:4096]
    render_markdown(text)
    print(
        f"Render and sanitize a {len(text.encode())}-byte note: "
        f"{describe(timed(lambda: render_markdown(text), 200))}"
    )

    users = User.objects.bulk_create(
        [User(username=f"m{n}", display_name=f"Member {n}", password="!") for n in range(100)]
    )
    club = Club.objects.create(name="Matrix club", slug="matrix")
    Membership.objects.bulk_create(
        [
            Membership(club=club, user=u, role=Role.ORGANIZER if i == 0 else Role.MEMBER)
            for i, u in enumerate(users)
        ]
    )
    curriculum = Curriculum.objects.create(name="Bench curriculum")
    phases = [
        Phase.objects.create(curriculum=curriculum, number=n, title=f"Phase {n}")
        for n in range(1, 9)
    ]
    club.curricula.set([curriculum])
    papers = []
    for n in range(200):
        paper = Paper(title=f"Paper {n}", title_key=f"paper {n}")
        papers.append(paper)
    papers = Paper.objects.bulk_create(papers)
    Placement.objects.bulk_create(
        [
            Placement(paper=p, phase=phases[i % 8], tier=1 + i % 3, order=i)
            for i, p in enumerate(papers)
        ]
    )
    now = timezone.now()
    Reading.objects.bulk_create(
        [
            Reading(user=u, paper=p, status=rng.choice(STAGES).value, done_at=now)
            for u in users
            for p in papers
            if rng.random() < 0.4
        ]
    )
    client = Client()
    client.force_login(users[0])
    url = "/clubs/matrix/progress/"
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    print(
        f"Who-has-read-what, 100 members × 200 papers ({len(captured)} queries): "
        f"{describe(timed(lambda: client.get(url), 20))}"
    )

    meeting = Meeting.objects.create(club=club, starts_at=now)
    meeting.papers.add(papers[0])
    notes = [
        Note(
            user=u,
            paper=papers[0],
            visibility=Visibility.CLUB,
            version=1,
            problem=NOTE[:300],
            approach=NOTE[300:700],
            key_result="A result.",
            limitation="Does it hold up?",
            pass2=NOTE,
        )
        for u in users[:30]
    ]
    for note in notes:
        note.render()
    Note.objects.bulk_create(notes)
    page = meeting.get_absolute_url()
    stored = timed(lambda: client.get(page), 20)

    import clubs.progress as progress

    original = progress.shared_notes

    def rerendering(*args, **kwargs):
        found = original(*args, **kwargs)
        for note in found:
            note.render()
        return found

    progress.shared_notes = rerendering
    try:
        rerendered = timed(lambda: client.get(page), 10)
    finally:
        progress.shared_notes = original
    print(f"Weekly page with 30 shared logs, stored HTML: {describe(stored)}")
    print(f"Same page re-rendering Markdown on each view: {describe(rerendered)}")


if __name__ == "__main__":
    main()
