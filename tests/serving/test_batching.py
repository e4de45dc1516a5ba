"""Adaptive batching: concurrent requests share predict calls; each caller gets its own rows."""

from __future__ import annotations

import asyncio
import re
import threading
from types import SimpleNamespace

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from tendml.serving.batching import Batcher, Scored
from tests.serving.conftest import Server


class _Counting:
    """A scorer that records each batch it is given (stands in for a model, not for our storage)."""

    def __init__(self, fail_on: float | None = None) -> None:
        self.batches: list[int] = []
        self.fail_on = fail_on
        self.version = SimpleNamespace(model="m", version=1)

    def score(self, columns, tensor, matrix=None):  # type: ignore[no-untyped-def]
        x = columns["x"]
        self.batches.append(len(x))
        if self.fail_on is not None and self.fail_on in x:
            raise ValueError("bad row")
        return x * 2, None


def _inputs(values: list[float]) -> SimpleNamespace:
    return SimpleNamespace(columns={"x": np.array(values)}, tensor=None, rows=len(values), matrix=None)


def test_concurrent_callers_are_batched_and_get_their_own_rows() -> None:
    scorer = _Counting()

    async def main() -> list[np.ndarray]:
        batcher = Batcher(scorer, max_batch_rows=64, max_wait_us=1000)  # type: ignore[arg-type]
        results = await asyncio.gather(*(batcher.score(_inputs([i, i + 0.5])) for i in range(40)))
        batcher.close()
        return [r[0] for r in results]

    results = asyncio.run(main())
    for i, result in enumerate(results):
        np.testing.assert_array_equal(result, [2 * i, 2 * i + 1])
    assert sum(scorer.batches) == 80 and len(scorer.batches) < 40 and max(scorer.batches) <= 64


def test_a_bad_request_fails_alone() -> None:
    scorer = _Counting(fail_on=13.0)

    async def main() -> list[object]:
        batcher = Batcher(scorer, max_batch_rows=64, max_wait_us=1000)  # type: ignore[arg-type]
        out = await asyncio.gather(
            *(batcher.score(_inputs([float(i)])) for i in range(20)), return_exceptions=True
        )
        batcher.close()
        return out

    results = asyncio.run(main())
    failed = [i for i, r in enumerate(results) if isinstance(r, Exception)]
    assert failed == [13]


def test_a_lone_request_is_scored_at_once() -> None:
    scorer = _Counting()

    async def main() -> float:
        batcher = Batcher(scorer, max_batch_rows=64, max_wait_us=500_000)  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        start = loop.time()
        await batcher.score(_inputs([1.0]))
        batcher.close()
        return loop.time() - start

    assert asyncio.run(main()) < 0.1  # the half-second wait applies only under concurrency


@pytest.mark.parametrize("concurrency", [32])
def test_server_batches_concurrent_requests(server: Server, iris, concurrency: int) -> None:  # type: ignore[no-untyped-def]
    X, y = iris
    expected = LogisticRegression(max_iter=1000).fit(X, y).predict(X)

    async def main() -> list[int]:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:

            async def one(i: int) -> int:
                reply = await c.post("/models/iris/predict", json={"records": [X.iloc[i].to_dict()]})
                return int(reply.json()["predictions"][0]["prediction"])

            return list(await asyncio.gather(*(one(i) for i in range(150))))

    with server.client() as c:
        before = _batches(c.get("/metrics").text)
    got = asyncio.run(main())
    assert got == expected[:150].tolist()
    with server.client() as c:
        count, rows = (a - b for a, b in zip(_batches(c.get("/metrics").text), before, strict=True))
    assert rows == 150 and count < 150


def _batches(text: str) -> tuple[float, float]:
    count = sum(
        float(v) for v in re.findall(r'tendml_batch_rows_count\{model="iris",version="1"\} (\S+)', text)
    )
    total = sum(
        float(v) for v in re.findall(r'tendml_batch_rows_sum\{model="iris",version="1"\} (\S+)', text)
    )
    return count, total


def test_frame_inputs_are_not_needed_for_a_numeric_model(iris) -> None:  # type: ignore[no-untyped-def]
    import tendml
    from tendml.serving.models import warm_sample
    from tendml.serving.scoring import Scorer

    X, y = iris
    ws = tendml.connect("h")
    version = ws.log_model(LogisticRegression(max_iter=1000).fit(X, y), "m", input_example=X.head())
    scorer = Scorer(ws.load_model(version), version)
    scorer.warm(*warm_sample(version.signature))
    columns = {c: X[c].to_numpy() for c in X.columns}
    assert isinstance(scorer.model_input(columns, None), np.ndarray)
    pred, proba = scorer.score(columns, None)
    np.testing.assert_array_equal(pred, LogisticRegression(max_iter=1000).fit(X, y).predict(X))
    assert proba is not None and proba.shape == (150, 3)


def test_a_model_that_selects_columns_by_name_keeps_its_dataframe(iris) -> None:  # type: ignore[no-untyped-def]
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    import tendml
    from tendml.serving.models import warm_sample
    from tendml.serving.scoring import Scorer

    X, y = iris
    model = make_pipeline(
        ColumnTransformer([("s", StandardScaler(), ["petal_width", "sepal_length"])]),
        LogisticRegression(max_iter=1000),
    ).fit(X, y)
    ws = tendml.connect("h")
    version = ws.log_model(model, "m", input_example=X.head())
    scorer = Scorer(ws.load_model(version), version)
    scorer.warm(*warm_sample(version.signature))
    columns = {c: X[c].to_numpy() for c in X.columns}
    assert isinstance(scorer.model_input(columns, None), pd.DataFrame)
    np.testing.assert_array_equal(scorer.score(columns, None)[0], model.predict(X))


class _Threaded(_Counting):
    """A fast scorer that records the thread of each call (so lone requests may be scored inline)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []
        self.warm_seconds = 0.0001

    def score(self, columns, tensor, matrix=None):  # type: ignore[no-untyped-def]
        self.threads.append(threading.current_thread().name)
        return super().score(columns, tensor)


def test_each_batch_reaches_the_hook_once_after_its_answers() -> None:
    scorer = _Counting(fail_on=13.0)
    seen: list[tuple[Scored, bool]] = []

    def hook(scored: Scored) -> None:
        seen.append((scored, all(job.future.done() for job in scored.jobs)))

    async def main() -> list[object]:
        batcher = Batcher(scorer, max_batch_rows=64, max_wait_us=1000, on_scored=hook, inline_us=0)  # type: ignore[arg-type]
        out = await asyncio.gather(
            *(batcher.score(_inputs([float(i)]), arm="champion") for i in range(20)), return_exceptions=True
        )
        await asyncio.sleep(0.01)  # the hook of the last batch runs after its answers
        batcher.close()
        return out

    results = asyncio.run(main())
    assert isinstance(results[13], ValueError)
    answered = [r for r in results if not isinstance(r, BaseException)]
    answered_ids = [i for r in answered for i in r[2]]  # type: ignore[index]
    logged_ids = [i for scored, _ in seen for i in scored.ids]
    assert len(set(logged_ids)) == len(logged_ids) == 19  # one id a row, none twice, none for the failure
    assert sorted(logged_ids) == sorted(answered_ids)
    for scored, answered_first in seen:
        assert answered_first
        np.testing.assert_array_equal(scored.columns["x"] * 2, scored.predictions)  # type: ignore[index]
        assert [job.arm for job in scored.jobs] == ["champion"] * len(scored.jobs)
        assert len(scored.latency) == len(scored.jobs) and min(scored.latency) >= 0
    assert len(seen) < 19  # batched: fewer hook calls than requests


def test_given_ids_are_kept_and_answers_can_wait_for_the_hook() -> None:
    scorer = _Counting()
    gate: list[asyncio.Future[None]] = []

    def hook(scored: Scored) -> asyncio.Future[None]:
        gate.append(asyncio.get_running_loop().create_future())
        return gate[-1]

    async def main() -> tuple[bool, object]:
        batcher = Batcher(scorer, on_scored=hook, answer_first=False)  # type: ignore[arg-type]
        task = asyncio.ensure_future(batcher.score(_inputs([1.0, 2.0]), arm="shadow", ids=["a", "b"]))
        while not gate:
            await asyncio.sleep(0.001)
        await asyncio.sleep(0.01)
        waited = not task.done()  # scored, yet not answered before the hook's future is done
        gate[0].set_result(None)
        answer = await task
        failing = asyncio.ensure_future(batcher.score(_inputs([3.0])))
        while len(gate) < 2:
            await asyncio.sleep(0.001)
        gate[1].set_exception(OSError("disk full"))
        error = await asyncio.gather(failing, return_exceptions=True)
        batcher.close()
        return waited, (answer[2], error[0])

    waited, (ids, error) = asyncio.run(main())
    assert waited and ids == ["a", "b"]
    assert isinstance(error, OSError)


def test_lone_requests_to_a_fast_model_are_scored_on_the_event_loop() -> None:
    async def run(scorer: _Threaded, inline_us: int, concurrent: int) -> None:
        batcher = Batcher(scorer, max_wait_us=1000, inline_us=inline_us)  # type: ignore[arg-type]
        for _ in range(3):
            await asyncio.gather(*(batcher.score(_inputs([1.0])) for _ in range(concurrent)))
        batcher.close()

    inline, threaded, busy = _Threaded(), _Threaded(), _Threaded()
    asyncio.run(run(inline, 5000, 1))
    asyncio.run(run(threaded, 0, 1))
    asyncio.run(run(busy, 5000, 8))
    assert inline.threads == ["MainThread"] * 3
    assert all(name.startswith("tendml-m") for name in threaded.threads)
    assert all(name.startswith("tendml-m") for name in busy.threads)  # several at once: the model's thread
