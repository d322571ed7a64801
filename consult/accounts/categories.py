"""Topic categories as the administrator edits them: Chinese and English names, order,
active. A category is never deleted (topics point at it): an inactive one is no longer
offered to proposers. Each change is one transaction, audited."""

from __future__ import annotations

from consult import audit, db
from consult.accounts.tables import Category
from consult.messages import N_, NotFound
from consult.places.forms import slug_for, validate_category

NO_CATEGORY = N_("There is no such category.")


async def categories() -> list[dict]:
    """Every category in its order (the inactive ones too)."""
    return await Category.select().order_by(Category.position).order_by(Category.id)


async def _taken_slugs() -> set[str]:
    return {r["slug"] for r in await Category.select(Category.slug)}


async def create_category(actor_id: int | None, name_zh, name_en, position) -> int:
    new = validate_category(name_zh, name_en, position)
    async with db.transaction():
        slug = slug_for(new.name_en, await _taken_slugs())
        rows = await Category.insert(Category(slug=slug, name_zh=new.name_zh, name_en=new.name_en,
                                              position=new.position, active=True)).returning(Category.id)
        await audit.record(actor_id, "category.created", "category", rows[0]["id"], slug=slug,
                           name_zh=new.name_zh, name_en=new.name_en)
        return rows[0]["id"]


async def update_category(actor_id: int | None, category_id: int, name_zh, name_en, position, active) -> None:
    new = validate_category(name_zh, name_en, position, active)
    async with db.transaction():
        row = await Category.select().where(Category.id == category_id).first()
        if row is None:
            raise NotFound(NO_CATEGORY)
        values = {"name_zh": new.name_zh, "name_en": new.name_en, "position": new.position, "active": new.active}
        changed = {k: v for k, v in values.items() if row[k] != v}
        if not changed:
            return
        await Category.update({getattr(Category, k): v for k, v in changed.items()}).where(Category.id == category_id)
        await audit.record(actor_id, "category.updated", "category", category_id, slug=row["slug"], **changed)


async def add_default_categories(actor_id: int | None, defaults) -> int:
    """Add each of ``defaults`` ((slug, 中文, English), ...) whose slug is not there yet;
    returns how many were added."""
    async with db.transaction():
        taken = await _taken_slugs()
        start = await Category.count()
        added = [d for d in defaults if d[0] not in taken]
        for offset, (slug, zh, en) in enumerate(added):
            await Category.insert(Category(slug=slug, name_zh=zh, name_en=en, position=start + offset, active=True))
        if added:
            await audit.record(actor_id, "category.defaults_added", "category", "", slugs=[d[0] for d in added])
        return len(added)
