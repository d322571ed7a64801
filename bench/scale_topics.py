"""Topics for the scale data (bench/scale.py): one chunk of topics built in memory, then
written with set-based inserts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from scale_data import (BUSY_COMMENTS, BUSY_EVERY, DEPARTMENTS, HIDE_REASONS, ISSUES, PERSONS, PLACES,
                        REJECT_REASONS, SENTENCES, STATE_SHARES, UNITS, WITH_DISCUSSION, random_text)


class TopicGen:
    """Builds the rows of one chunk of topics in memory."""

    TOPIC_COLS = ["id", "title", "description", "category", "grid", "author", "state", "created_at", "updated_at",
                  "screened_at", "discussion_ends_on", "reject_reason", "department", "reference_number",
                  "merged_into", "consensus_summary", "round", "evaluation_ends_on", "evaluation_extended",
                  "vote_id"]
    EVENT_COLS = ["topic", "at", "actor", "action", "from_state", "to_state", "note", "detail", "round"]
    SHEET_COLS = ["topic", "title", "scope", "estimated_cost", "responsible_unit", "responsible_person",
                  "deadline", "funding_route", "created_at"]
    SECOND_COLS = ["topic", "user", "created_at"]
    STANCE_COLS = ["topic", "user", "value", "updated_at"]
    FOLLOW_COLS = ["topic", "user", "since"]
    COMMENT_COLS = ["id", "topic", "author", "parent", "body", "created_at", "party_badge", "guidance", "pinned",
                    "hidden", "hidden_reason", "hidden_by", "hidden_at"]
    PROGRESS_COLS = ["topic", "author", "percent", "note", "on_date", "round", "created_at"]
    NOTE_COLS = ["topic", "author", "body", "author_is_representative", "round", "created_at"]
    RATING_COLS = ["topic", "user", "round", "value", "comment", "created_at"]

    def __init__(self, rng, residents, reps, categories, committee_id, staff_id, vote_slots, next_comment_id):
        self.rng = rng
        self.residents = residents
        self.reps = reps
        self.by_grid: dict[int, list[dict]] = {}
        for r in residents:
            self.by_grid.setdefault(r["grid"], []).append(r)
        self.grids = sorted(self.by_grid)
        self.categories = categories  # [(id, slug)]
        self.committee = committee_id
        self.staff = staff_id
        self.vote_slots = vote_slots  # {"elect": [(vote_id, year)...], "not_elected": [...], "open": vote_id}
        self.next_comment_id = next_comment_id
        self.now = datetime.now(timezone.utc)
        self.today = (self.now + timedelta(hours=8)).date()
        self.recent_discussing: list[int] = []
        self.linked: dict[int, dict[str, list[dict]]] = {}  # vote_id -> {"elected": [...], "not": [...]}
        self.open_candidates: list[dict] = []
        self.reset()

    def reset(self) -> None:
        self.topics, self.events, self.sheets, self.seconds, self.stances = [], [], [], [], []
        self.follows, self.comments, self.progress, self.notes, self.ratings = [], [], [], [], []

    def _pick_state(self) -> str:
        x, acc = self.rng.random(), 0.0
        for state, share in STATE_SHARES:
            acc += share
            if x < acc:
                return state
        return "closed"

    def _ev(self, tid, at, actor, action, frm, to, rnd=1, note="", **detail):
        self.events.append((tid, at, actor, action, frm, to, note, json.dumps(detail, default=str), rnd))

    def topic(self, tid: int, number: int) -> None:
        d = self._draft(tid, number)
        if d.state == "proposed":
            pass
        elif d.state in ("rejected", "referred", "merged") and (d.state != "rejected" or self.rng.random() < 0.6):
            self._screened_out(tid, d)
        else:
            self._discussed(tid, d)
        d.row["round"] = d.rnd
        if d.state in ("discussing",) and not d.busy:
            self.recent_discussing.append(tid)
            if len(self.recent_discussing) > 200:
                self.recent_discussing.pop(0)
        self._people(tid, d)
        row = d.row
        self.topics.append((tid, d.title, d.description, d.cat_id, d.grid, d.author["id"], d.state, d.created, d.t,
                            row["screened_at"], row["discussion_ends_on"], row["reject_reason"], row["department"],
                            row["reference_number"], row["merged_into"], row["consensus_summary"], row["round"],
                            row["evaluation_ends_on"], row["evaluation_extended"], row["vote_id"]))

    def _draft(self, tid: int, number: int) -> SimpleNamespace:
        """The topic's state, place, author, text and creation time, and which vote it joins."""
        rng = self.rng
        state = self._pick_state()
        busy = number % BUSY_EVERY == 1
        if busy:
            state = "discussing"
        cat_id, slug = rng.choice(self.categories)
        grid = rng.choice(self.grids)
        author = rng.choice(self.by_grid[grid])
        title = f"{rng.choice(PLACES)}{rng.choice(ISSUES.get(slug, ISSUES['other']))}（{number}）"[:80]
        description = random_text(rng, rng.randint(2, 6))
        # when it was proposed: recent for open screening/discussion, older for later states
        age_days = {
            "proposed": rng.uniform(0, 5), "discussing": rng.uniform(2, 14), "merged": rng.uniform(1, 3),
            "rejected": rng.uniform(20, 700), "referred": rng.uniform(5, 700), "project": rng.uniform(20, 200),
            "not_elected": rng.uniform(100, 700),
        }.get(state, rng.uniform(200, 800))  # implementing, evaluating, closed: time for every step
        created = self.now - timedelta(days=age_days, seconds=rng.randint(0, 86399))
        row = dict(screened_at=None, discussion_ends_on=None, reject_reason="", department="",
                   reference_number="", merged_into=None, consensus_summary="", round=1,
                   evaluation_ends_on=None, evaluation_extended=False, vote_id=None)
        self._ev(tid, created, author["id"], "propose", "", "proposed")
        # not_elected only for topics a scale vote can hold; otherwise a project waiting
        funding = "annual_vote" if rng.random() < 0.25 else "community"
        vote_link = None
        if state == "not_elected":
            vote_link = self._take_slot("not_elected")
            if vote_link is None:
                state = "project"
            funding = "annual_vote"
        if state in ("implementing", "evaluating", "closed") and funding == "annual_vote":
            vote_link = self._take_slot("elected")
        if state == "project" and funding == "annual_vote" and len(self.open_candidates) < 10:
            vote_link = ("open", self.vote_slots.get("open"))
        return SimpleNamespace(state=state, busy=busy, cat_id=cat_id, grid=grid, author=author, title=title,
                               description=description, created=created, t=created, row=row, rnd=1,
                               funding=funding, vote_link=vote_link)

    def _step(self, d: SimpleNamespace, lo: float, hi: float) -> datetime:
        return d.t + timedelta(days=self.rng.uniform(lo, hi))

    def _screened_out(self, tid: int, d: SimpleNamespace) -> None:
        """Rejected, referred or merged at screening."""
        rng, row = self.rng, d.row
        d.t = t = self._step(d, 0.2, 0.9)
        row["screened_at"] = t
        if d.state == "rejected":
            row["reject_reason"] = rng.choice(REJECT_REASONS)
            self._ev(tid, t, self.committee, "reject", "proposed", "rejected", note=row["reject_reason"])
        elif d.state == "referred":
            row["department"] = rng.choice(DEPARTMENTS)
            row["reference_number"] = f"12345-{t.year}-{rng.randint(1, 9999):04d}"
            self._ev(tid, t, self.committee, "refer", "proposed", "referred",
                     department=row["department"], reference_number=row["reference_number"])
        else:
            target = rng.choice(self.recent_discussing) if self.recent_discussing else None
            if target is None:
                d.state = "proposed"
                row["screened_at"] = None
            else:
                row["merged_into"] = target
                self._ev(tid, t, self.committee, "merge", "proposed", "merged", merged_into=target)
                self._ev(target, t, self.committee, "absorb", "discussing", "discussing",
                         source_id=tid, seconds=0, followers=1)

    def _discussed(self, tid: int, d: SimpleNamespace) -> None:
        """Everything else went through a discussion (and maybe on to a project)."""
        rng, row = self.rng, d.row
        d.t = self._step(d, 0.2, 2.5)
        row["screened_at"] = d.t
        ends = (d.t + timedelta(days=14)).date()
        row["discussion_ends_on"] = ends
        self._ev(tid, d.t, self.committee, "open_discussion", "proposed", "discussing", end_date=ends)
        if d.state == "rejected":
            d.t = self._step(d, 10, 16)
            row["reject_reason"] = rng.choice(REJECT_REASONS)
            self._ev(tid, d.t, self.committee, "reject", "discussing", "rejected", note=row["reject_reason"])
        elif d.state != "discussing":
            self._project(tid, d)

    def _project(self, tid: int, d: SimpleNamespace) -> None:
        rng, row, title = self.rng, d.row, d.title
        d.t = t = self._step(d, 12, 16)
        summary = "经讨论，多数居民支持。" + rng.choice(SENTENCES)
        row["consensus_summary"] = summary
        cost = rng.randint(1, 120) * 5000
        deadline = (t + timedelta(days=rng.randint(60, 240))).date()
        self.sheets.append((tid, title[:80], random_text(rng, 2), cost, rng.choice(UNITS), rng.choice(PERSONS),
                            deadline, d.funding, t))
        self._ev(tid, t, self.committee, "form_project", "discussing", "project", note=summary,
                 project=title[:80], estimated_cost=cost, deadline=deadline, funding_route=d.funding)
        candidate = {"topic": tid, "title": title[:80], "cost": cost}
        if d.vote_link and d.vote_link[0] == "open":
            self.open_candidates.append(dict(candidate))
        if d.state == "not_elected":
            vote_id = d.vote_link[1]
            d.t = self._step(d, 20, 60)
            row["vote_id"] = vote_id
            self.linked[vote_id]["not"].append(dict(candidate))
            self._ev(tid, d.t, self.staff, "mark_not_elected", "project", "not_elected", vote_id=vote_id)
        elif d.state in ("implementing", "evaluating", "closed"):
            d.t = self._step(d, 3, 30)
            if d.vote_link:
                vote_id = d.vote_link[1]
                row["vote_id"] = vote_id
                self.linked[vote_id]["elected"].append(dict(candidate))
                self._ev(tid, d.t, self.staff, "elect", "project", "implementing", vote_id=vote_id)
            else:
                self._ev(tid, d.t, self.staff, "start_implementation", "project", "implementing")
            self._implemented(tid, d)

    def _implemented(self, tid: int, d: SimpleNamespace) -> None:
        """Progress, supervision notes and evaluation rounds (with their ratings)."""
        rng, state = self.rng, d.state
        second_round = state != "implementing" and rng.random() < 0.1 or (
            state == "implementing" and rng.random() < 0.05)
        rounds = 2 if second_round else 1
        for r in range(1, rounds + 1):
            percents = sorted(rng.sample(range(10, 100, 10), rng.randint(1, 3)))
            if state != "implementing" or r < rounds:
                percents.append(100)
            for p in percents:
                d.t = self._step(d, 3, 15)
                self.progress.append((tid, self.staff, p, f"完成{p}%：" + rng.choice(SENTENCES), d.t.date(), r, d.t))
            if rng.random() < 0.3:
                rep = rng.choice(self.reps)
                self.notes.append((tid, rep["id"], "请加快进度并公开费用明细。", True, r, self._step(d, 1, 5)))
            if state == "implementing" and r == rounds:
                break
            if not self._evaluation_round(tid, d, r, r == rounds):
                break
        d.rnd = rounds

    def _evaluation_round(self, tid: int, d: SimpleNamespace, r: int, last: bool) -> bool:
        """One evaluation window and its ratings; False while it is still open."""
        rng, state = self.rng, d.state
        d.t = t = self._step(d, 1, 5)
        ends = (t + timedelta(days=14)).date()
        if state == "evaluating" and last:
            d.t = t = max(t, self.now - timedelta(days=rng.uniform(0.5, 10)))
            ends = (t + timedelta(days=14)).date()
            d.row["evaluation_ends_on"] = ends
        self._ev(tid, t, self.staff, "open_evaluation", "implementing", "evaluating", r, end_date=ends)
        if state == "evaluating" and last:
            n_ratings, good = rng.randint(0, 8), 0.85
        elif last:
            n_ratings, good = rng.randint(5, 12), 0.95
        else:
            n_ratings, good = rng.randint(5, 8), 0.2
        tally = self._ratings(tid, d.grid, r, n_ratings, good, t)
        if state == "evaluating" and last:
            return False
        d.t = t = t + timedelta(days=15)
        if last:
            self._ev(tid, t, None, "close_satisfied", "evaluating", "closed", r, **tally)
        else:
            self._ev(tid, t, None, "second_handling", "evaluating", "implementing", r + 1, **tally)
        return True

    def _people(self, tid: int, d: SimpleNamespace) -> None:
        """Seconds (附议: 0..10 residents, never the author), stances, comments and followers."""
        rng, author, created = self.rng, d.author, d.created
        people = {author["id"]}
        pool = self.residents
        seconders = [p for p in rng.sample(pool, min(len(pool), rng.randint(0, 10))) if p["id"] != author["id"]]
        for p in seconders:
            self.seconds.append((tid, p["id"], created + timedelta(hours=rng.uniform(1, 40))))
            people.add(p["id"])
        if d.state in WITH_DISCUSSION or (d.state == "rejected" and d.row["discussion_ends_on"]):
            for p in rng.sample(pool, min(len(pool), rng.randint(0, 8))):
                self.stances.append((tid, p["id"], rng.choice(("support", "support", "oppose", "neutral")),
                                     created + timedelta(days=rng.uniform(1, 10))))
                people.add(p["id"])
            self._comments(tid, created, BUSY_COMMENTS if d.busy else rng.randint(0, 26), people)
        self.follows.extend((tid, uid, created) for uid in people)

    def _take_slot(self, kind: str):
        for vote_id in self.vote_slots.get(kind, []):
            key = "not" if kind == "not_elected" else "elected"
            if len(self.linked.setdefault(vote_id, {"elected": [], "not": []})[key]) < 6:
                return (kind, vote_id)
        return None

    def _ratings(self, tid, grid, rnd, n, good, t) -> dict:
        rng = self.rng
        raters = rng.sample(self.by_grid[grid], min(n, len(self.by_grid[grid])))
        tally = {"satisfied": 0, "basic": 0, "unsatisfied": 0}
        for p in raters:
            x = rng.random()
            value = "unsatisfied" if x > good else ("satisfied" if x < good * 0.6 else "basically_satisfied")
            tally[{"satisfied": "satisfied", "basically_satisfied": "basic", "unsatisfied": "unsatisfied"}[value]] += 1
            self.ratings.append((tid, p["id"], rnd, value, "", t + timedelta(days=rng.uniform(0, 10))))
        return tally

    def _comments(self, tid, created, n, people) -> None:
        rng = self.rng
        top: list[int] = []
        span = max(60.0, (min(self.now, created + timedelta(days=30)) - created).total_seconds() - 60)
        times = sorted(created + timedelta(seconds=30 + rng.uniform(0, span)) for _ in range(n))
        pinned_done = False
        for t in times:
            cid = self.next_comment_id
            self.next_comment_id += 1
            author = rng.choice(self.residents)
            parent = rng.choice(top) if top and rng.random() < 0.3 else None
            if parent is None:
                top.append(cid)
            hidden = rng.random() < 0.01
            pinned = not pinned_done and parent is None and rng.random() < 0.03
            pinned_done = pinned_done or pinned
            self.comments.append((
                cid, tid, author["id"], parent, random_text(rng, rng.randint(1, 4)), t, author["party"],
                author["party"] and rng.random() < 0.3, pinned, hidden,
                rng.choice(HIDE_REASONS) if hidden else "", self.committee if hidden else None,
                t + timedelta(hours=2) if hidden else None,
            ))
            people.add(author["id"])

    async def flush(self, w: BulkWriter) -> None:
        async with w.transaction():
            await w.insert("topic", self.TOPIC_COLS, self.topics)
            await w.insert("topic_event", self.EVENT_COLS, self.events)
            await w.insert("project_sheet", self.SHEET_COLS, self.sheets)
            await w.insert("topic_second", self.SECOND_COLS, self.seconds)
            await w.insert("topic_stance", self.STANCE_COLS, self.stances)
            await w.insert("topic_follower", self.FOLLOW_COLS, self.follows)
            await w.insert("topic_comment", self.COMMENT_COLS, self.comments)
            await w.insert("progress_update", self.PROGRESS_COLS, self.progress)
            await w.insert("supervision_note", self.NOTE_COLS, self.notes)
            await w.insert("topic_rating", self.RATING_COLS, self.ratings)
        self.reset()
