"""Computing a metric for one account and window: fetch, fold, split when capped."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tap_twilio_metrics.aggregation import Groups
from tap_twilio_metrics.client import ListRequest
from tap_twilio_metrics.datapoints import MetricEvaluator, Tally

if TYPE_CHECKING:
    import datetime as dt

    from tap_twilio_metrics.client import TwilioClient
    from tap_twilio_metrics.settings import Metric
    from tap_twilio_metrics.windows import Window

logger = logging.getLogger(__name__)


@dataclass
class WindowResult:
    """The groups of one window and what happened on the way."""

    window: Window
    groups: Groups = field(default_factory=Groups)
    tally: Tally = field(default_factory=Tally)


class MetricRunner:
    """Computes one metric's windows for one account."""

    def __init__(
        self,
        metric: Metric,
        evaluator: MetricEvaluator,
        client: TwilioClient,
        account_sid: str,
        synced_at: dt.datetime,
    ) -> None:
        """Bind the metric to the account it runs for."""
        self.metric = metric
        self.evaluator = evaluator
        self.client = client
        self.account_sid = account_sid
        self.synced_at = synced_at
        self.path = metric.path.replace("{account_sid}", account_sid)
        self.label = f"metric '{metric.name}', account {account_sid}"

    def compute(self, window: Window) -> WindowResult:
        """Compute ``window``; when it hits the page cap, split it and retry.

        Only windows whose params bound requests can be split: to the second
        with date-time placeholders, to whole days with date placeholders.
        A window that cannot be split keeps the capped result and says so.
        """
        result = self._fetch(window)
        if not result.tally.capped or not self.metric.windowed:
            if result.tally.capped:
                self._warn_capped(window)
            return result
        halves = window.halves(whole_days=not self.metric.splittable_below_a_day)
        if halves is None:
            self._warn_capped(window)
            return result
        logger.info(
            "%s: window %s reached max_pages (%d); splitting it in two",
            self.label,
            window,
            self.metric.max_pages,
        )
        merged = WindowResult(window)
        for half in halves:
            part = self.compute(half)
            merged.groups.merge(part.groups)
            merged.tally.add(part.tally)
        return merged

    def _fetch(self, window: Window) -> WindowResult:
        result = WindowResult(window)
        params = self._params(window)
        undated_at = window.start if self.metric.windowed else self.synced_at
        request = ListRequest(
            base_url=self.metric.base_url,
            path=self.path,
            params=tuple(params.items()),
            headers=tuple(self.metric.headers.items()),
            records_key=self.metric.records,
            max_pages=self.metric.max_pages,
            label=self.label,
        )
        for page in self.client.pages(request):
            self.evaluator.fold(
                page.records, result.groups, result.tally, window, undated_at
            )
            result.tally.capped = page.capped
        return result

    def _params(self, window: Window) -> dict[str, str]:
        values = window.placeholders()
        values["account_sid"] = self.account_sid
        params = {key: _fill(text, values) for key, text in self.metric.params.items()}
        params["PageSize"] = str(self.metric.page_size)
        return params

    def _warn_capped(self, window: Window) -> None:
        logger.warning(
            "%s: window %s stopped at max_pages (%d) and cannot be split: its "
            "values may be incomplete (raise max_pages or page_size)",
            self.label,
            window,
            self.metric.max_pages,
        )


def _fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; the names were checked with the config."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text
