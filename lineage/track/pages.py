"""Runs a page at a time: keyset paging over any number of runs, for viewers and services.

:func:`list_runs` returns every matching run at once; :func:`runs_page` returns one page and
an opaque token for the next, so a table over a million executions costs what its first page
costs (the store's keyset paging, ``MetadataStore.get_page``). A ``filter_query`` typed by a
user is checked on its own first, so a mistake is reported at its position in *their* text.

Example:
    >>> import lineage
    >>> store = lineage.MetadataStore("sqlite://")
    >>> for lr in (0.1, 0.2, 0.3):
    ...     with lineage.run("train", params={"lr": lr}, store=store,
    ...                      capture={"environment": False}) as r:
    ...         r.log_metric("auc", lr * 3)
    >>> page = runs_page(store, limit=2)
    >>> [r.params["lr"] for r in page.runs], bool(page.next_page_token)
    ([0.3, 0.2], True)
    >>> [r.params["lr"] for r in runs_page(store, page_token=page.next_page_token).runs]
    [0.1]
    >>> [r.params["lr"] for r in runs_page(
    ...     store, filter_query="custom_properties.`metric.auc`.double_value > 0.5").runs]
    [0.3, 0.2]
    >>> store.close()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.track.runs import RunInfo, get_runs, run_clauses

__all__ = ["MAX_PAGE", "ORDERS", "RunsPage", "runs_page"]

#: The largest page the store hands out in one call.
MAX_PAGE: Final = 100
#: The orderings the store can page by (MLMD's ``order_by_field``).
ORDERS: Final = ("create_time", "last_update_time", "id")
_ORDER_FIELDS: Final = {"create_time": 1, "last_update_time": 2, "id": 3}


@dataclass(frozen=True)
class RunsPage:
    """One page of runs.

    Attributes:
        runs: The runs of this page, in the requested order.
        next_page_token: Pass it as ``page_token`` for the next page ('' on the last page).
    """

    runs: tuple[RunInfo, ...]
    next_page_token: str = ""


def runs_page(
    store: Any,
    *,
    experiment: str | None = None,
    tag: str | None = None,
    state: str | None = None,
    since: Any = None,
    until: Any = None,
    type: str | None = None,
    filter_query: str | None = None,
    order_by: str = "create_time",
    ascending: bool = False,
    limit: int = 50,
    page_token: str | None = None,
) -> RunsPage:
    """One page of the runs recorded by ``lineage.track``, newest first unless asked otherwise.

    Args:
        store: The store.
        experiment: Only runs in this experiment.
        tag: Only runs with this tag.
        state: Only runs in this state.
        since: Only runs started at or after this time (see :func:`parse_time`).
        until: Only runs started at or before this time.
        type: Only runs of this step (execution type).
        filter_query: An MLMD filter query on the executions, ANDed with the rest, e.g.
            ``custom_properties.`metric.auc`.double_value > 0.9``.
        order_by: 'create_time', 'last_update_time' or 'id'.
        ascending: Oldest (lowest) first instead of newest first.
        limit: Runs per page, 1 to :data:`MAX_PAGE`.
        page_token: The ``next_page_token`` of the previous page (same filters and order).

    Returns:
        The page and the token of the next one.

    Raises:
        FilterQueryError: A malformed ``filter_query``; its ``position`` points into the text
            given here.
        InvalidArgumentError: A bad limit, order, state, time, tag or token (the message names
            the argument).
    """
    from lineage.proto import ListOperationOptions
    from lineage.query import parse_filter

    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidArgumentError(f"limit must be an integer from 1 to {MAX_PAGE}, got {limit!r}")
    if order_by not in _ORDER_FIELDS:
        raise InvalidArgumentError(f"order_by must be one of {', '.join(ORDERS)}, got {order_by!r}")
    clauses = run_clauses(
        experiment=experiment, tag=tag, state=state, since=since, until=until, type=type
    )
    if filter_query is not None and filter_query.strip():
        parse_filter(filter_query, "execution")  # errors point into the user's own text
        clauses.append(f"({filter_query})")
    options = ListOperationOptions(max_result_size=limit, filter_query=" AND ".join(clauses))
    options.order_by_field.field = _ORDER_FIELDS[order_by]  # type: ignore[assignment]
    options.order_by_field.is_asc = ascending
    if page_token:
        options.next_page_token = page_token
    try:
        page = store.get_page("execution", options)
    except InvalidArgumentError as exc:
        if "token" in str(exc):
            raise InvalidArgumentError(
                "page_token does not belong to this listing (its filters or order changed): "
                "start again from the first page"
            ) from exc
        raise
    return RunsPage(runs=tuple(get_runs(store, page.nodes)), next_page_token=page.next_page_token)
