"""Benchmark the knowledge-base search over 10,000 articles, beside a plain LIKE scan in the same run.

A fresh, migrated database (a temporary SQLite file, or a new database on the given PostgreSQL
server) gets N articles (default 10,000) of generated after-sales text, Chinese and English, with
the migration's trigram index kept by the database. Then, for each query, the median time of the
search as the API runs it (domain.knowledge.article_query, first page of 50 and the total) and of
a plain case-insensitive LIKE over the same concatenated text, with no index (the baseline), and
the time of a job's suggestions.

    .venv/bin/python scripts/bench_knowledge.py                                  # SQLite
    .venv/bin/python scripts/bench_knowledge.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""
# ruff: noqa: RUF001 -- the generated Chinese text uses Chinese punctuation, as people type it.

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)
from sqlalchemy import func, insert, literal_column, select, text

from backend import create_app
from backend.domain.knowledge import article_query, suggest_articles
from backend.extensions import db
from backend.models import Article

QUERIES = {
    "2 Chinese characters (漏水)": "漏水",
    "5 Chinese characters (排水管堵塞)": "排水管堵塞",
    "English word (capacitor)": "capacitor",
    "two English words (compressor noise)": "compressor noise",
    "model name (KFR-72LW)": "kfr-72lw",
    "one article (72LW-X)": "72lw-x",
    "no match (量子纠缠)": "量子纠缠",
}
DEVICES = ["空调", "冰箱", "洗衣机", "热水器", "燃气灶", "净水器", "air conditioner", "fridge", "washer", "boiler"]
CN_SYMPTOMS = ["漏水", "不制冷", "噪音大", "无法启动", "显示故障代码", "漏电", "结冰", "异味", "滴水", "不加热"]
CN_CAUSES = ["排水管堵塞", "电容损坏", "压缩机老化", "传感器失灵", "密封圈磨损", "电路板受潮", "冷媒不足"]
EN_SYMPTOMS = ["leaks water", "blows warm air", "compressor noise", "will not start", "error code E4", "trips breaker"]
EN_CAUSES = ["failed start capacitor", "blocked drain pipe", "worn door seal", "faulty thermistor", "low refrigerant"]
FIXES = ["更换电容", "疏通排水管", "更换密封圈", "补充冷媒", "replace the capacitor", "clear the drain", "replace seal"]
SKILLS = ["hvac", "plumbing", "electrical", "appliance", "gas"]
MODELS = [f"KFR-{n}{kind}" for n in (26, 35, 50, 72) for kind in ("GW", "LW")]


def article_rows(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(count):
        chinese = rng.random() < 0.6
        device = rng.choice(DEVICES)
        symptom = rng.choice(CN_SYMPTOMS if chinese else EN_SYMPTOMS)
        model = rng.choice(MODELS)
        rows.append(
            {
                "title": f"{device}{symptom}" if chinese else f"{device.title()} {symptom}",
                "symptoms": f"客户反映{device}{symptom}，型号 {model}" if chinese else f"The {device} {symptom}",
                "cause": rng.choice(CN_CAUSES if chinese else EN_CAUSES),
                "fix": rng.choice(FIXES) + f"（案例 {i}）",
                "skills": rng.sample(SKILLS, 2),
                "models": [model],
                "published": rng.random() < 0.9,
                "created_at": at,
                "updated_at": at + timedelta(minutes=i),
            }
        )
    # One article names the rare model: the selective query the index should find at once.
    rows[count // 2]["symptoms"] += " KFR-72LW-X"
    return rows


def timed(call, runs: int) -> float:
    """Median milliseconds of `runs` calls, after one warm-up."""
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def api_search(q: str) -> int:
    """What GET /articles?q= does for a dispatcher: the first page of 50 and the total."""
    query = article_query(db.session, q=q, include_drafts=True)
    db.session.scalars(query.limit(50)).all()
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def like_scan(q: str) -> int:
    """The baseline: every word as a LIKE over the lower-cased text, no index, same page and total."""
    whole = func.lower(literal_column("(title || ' ' || symptoms || ' ' || cause || ' ' || fix)"))
    query = select(Article).where(*(whole.like(f"%{word.lower()}%") for word in q.split()))
    db.session.scalars(query.order_by(Article.updated_at.desc()).limit(50)).all()
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


def run(server_url: str | None, count: int, runs: int) -> dict:
    from flask_migrate import upgrade

    with Database(server_url) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            db.session.execute(insert(Article), article_rows(count, seed=1))
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE articles"))  # fresh statistics, as autovacuum would give
                db.session.commit()
            load_s = time.perf_counter() - started
            results = {}
            for label, q in QUERIES.items():
                found = api_search(q)
                assert found == like_scan(q), (label, found, like_scan(q))  # same answer, or the figure means nothing
                results[label] = (found, timed(lambda q=q: api_search(q), runs), timed(lambda q=q: like_scan(q), runs))
            job = "空调漏水：客户说室内机一直滴水，型号 KFR-35GW"
            suggest_ms = timed(lambda: suggest_articles(db.session, text=job, skills=["hvac"]), runs)
            english_job = "Air conditioner blows warm air, compressor noise"
            suggest_en_ms = timed(lambda: suggest_articles(db.session, text=english_job, skills=["hvac"]), runs)
            dialect = db.engine.dialect.name
            db.session.remove()
            db.engine.dispose()
    return {"dialect": dialect, "load_s": load_s, "results": results, "suggest": (suggest_ms, suggest_en_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server (a database is created and dropped)")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    figures = run(args.database_url, args.articles, args.runs)
    print(f"{figures['dialect']}: {args.articles} articles loaded in {figures['load_s']:.1f} s; median of {args.runs}")
    print("| query | found | search | plain LIKE scan |")
    print("|---|---|---|---|")
    for label, (found, search_ms, like_ms) in figures["results"].items():
        print(f"| {label} | {found} | {search_ms:.1f} ms | {like_ms:.1f} ms |")
    chinese, english = figures["suggest"]
    print(f"suggestions for a job: Chinese text {chinese:.1f} ms, English text {english:.1f} ms")


if __name__ == "__main__":
    main()
