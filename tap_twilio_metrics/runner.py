"""Computing metrics for one account and window: fetch once, fold, split if capped.

Metrics whose requests are identical (same host, path, params, headers,
records path and paging) form a fetch group: each page is fetched once and
folded into every metric of the group.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tap_twilio_metrics.aggregation import Groups
from tap_twilio_metrics.client import ListRequest
from tap_twilio_metrics.datapoints import MetricEvaluator, Tally

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Hashable, Sequence

    from tap_twilio_metrics.client import TwilioClient
    from tap_twilio_metrics.settings import Metric
    from tap_twilio_metrics.windows import Window

logger = logging.getLogger(__name__)


@dataclass
class WindowResult:
    """The groups of one metric's window and what happened on the way."""

    window: Window
    groups: Groups = field(default_factory=Groups)
    tally: Tally = field(default_factory=Tally)

    def merge(self, other: WindowResult) -> None:
        """Fold the result of part of this window into it."""
        self.groups.merge(other.groups)
        self.tally.add(other.tally)


def fetch_signature(metric: Metric) -> Hashable:
    """What makes two metrics' requests identical for the same window."""
    return (
        metric.base_url,
        metric.path,
        tuple(sorted(metric.params.items())),
        tuple(sorted(metric.headers.items())),
        metric.records,
        metric.page_size,
        metric.max_pages,
    )


class WindowComputer:
    """Computes the windows of one fetch group of metrics for one account."""

    def __init__(
        self,
        evaluators: Sequence[MetricEvaluator],
        client: TwilioClient,
        account_sid: str,
        synced_at: dt.datetime,
    ) -> None:
        """Bind the group's metrics to the account they run for."""
        self.evaluators = evaluators
        self.metric = evaluators[0].metric
        self.client = client
        self.account_sid = account_sid
        self.synced_at = synced_at
        names = ", ".join(evaluator.metric.name for evaluator in evaluators)
        plural = "s" if len(evaluators) > 1 else ""
        self.label = f"metric{plural} '{names}', account {account_sid}"

    def compute(self, window: Window) -> dict[str, WindowResult]:
        """Compute ``window`` for every metric; split it when it hits the page cap.

        Only windows whose params bound requests can be split: to the second
        with date-time placeholders, to whole days with date placeholders.
        A window that cannot be split keeps the capped result and says so.
        """
        results, capped = self._fetch(window)
        if not capped:
            return results
        halves = None
        if self.metric.windowed:
            halves = window.halves(whole_days=not self.metric.splittable_below_a_day)
        if halves is None:
            self._warn_capped(window)
            return results
        logger.info(
            "%s: window %s reached max_pages (%d); splitting it in two",
            self.label,
            window,
            self.metric.max_pages,
        )
        merged = {name: WindowResult(window) for name in results}
        for half in halves:
            for name, part in self.compute(half).items():
                merged[name].merge(part)
        return merged

    def _fetch(self, window: Window) -> tuple[dict[str, WindowResult], bool]:
        results = {
            evaluator.metric.name: WindowResult(window) for evaluator in self.evaluators
        }
        folds = [
            (evaluator, results[evaluator.metric.name]) for evaluator in self.evaluators
        ]
        undated_at = window.start if self.metric.windowed else self.synced_at
        capped = False
        for page in self.client.pages(
            build_request(self.metric, self.account_sid, window, label=self.label)
        ):
            for evaluator, result in folds:
                evaluator.fold(
                    page.records, result.groups, result.tally, window, undated_at
                )
            capped = page.capped
        for result in results.values():
            result.tally.capped = capped
        return results, capped

    def _warn_capped(self, window: Window) -> None:
        logger.warning(
            "%s: window %s stopped at max_pages (%d) and cannot be split: its "
            "values may be incomplete (raise max_pages or page_size)",
            self.label,
            window,
            self.metric.max_pages,
        )


def build_request(  # noqa: PLR0913 - the window's request, with optional overrides
    metric: Metric,
    account_sid: str,
    window: Window,
    *,
    label: str,
    page_size: int | None = None,
    max_pages: int | None = None,
) -> ListRequest:
    """The request for one window of ``metric`` in ``account_sid``."""
    values = window.placeholders()
    values["account_sid"] = account_sid
    params = {key: _fill(text, values) for key, text in metric.params.items()}
    params["PageSize"] = str(page_size or metric.page_size)
    return ListRequest(
        base_url=metric.base_url,
        path=_fill(metric.path, values),
        params=tuple(params.items()),
        headers=tuple(metric.headers.items()),
        records_key=metric.records,
        max_pages=max_pages or metric.max_pages,
        label=label,
    )


def _fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; the names were checked with the config."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text
