"""What one tap run shares across streams: settings, client, workers, outcome."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING

from tap_twilio_metrics.client import ListRequest, RetryPolicy, TwilioClient
from tap_twilio_metrics.datapoints import MetricEvaluator, Tally
from tap_twilio_metrics.errors import PaginationError, SyncFailedError, TwilioAPIError
from tap_twilio_metrics.runner import WindowComputer, fetch_signature
from tap_twilio_metrics.settings import DEFAULT_BASE_URL, Metric, Settings

if TYPE_CHECKING:
    from tap_twilio_metrics.runner import WindowResult
    from tap_twilio_metrics.windows import Window

logger = logging.getLogger(__name__)


class Run:
    """The state of one sync: compiled metrics, the HTTP client and the outcome."""

    #: Errors that end one account's sync of one metric but not the run.
    recoverable = (TwilioAPIError, PaginationError)

    def __init__(self, settings: Settings) -> None:
        """Compile every metric; a bad expression fails here, before any request."""
        self.settings = settings
        self.evaluators = {
            metric.name: MetricEvaluator(metric) for metric in settings.metrics
        }
        self.synced_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.client = TwilioClient(
            settings.username,
            settings.password,
            RetryPolicy(
                settings.max_tries,
                settings.request_timeout,
                settings.max_wait,
                settings.max_total,
            ),
            settings.base_url_override,
        )
        self.selected = frozenset(self.evaluators)
        self._shared: dict[tuple[str, str, Window], WindowResult] = {}
        self._done: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self.failures: list[str] = []
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.windows: dict[str, int] = defaultdict(int)

    @cached_property
    def pool(self) -> ThreadPoolExecutor:
        """Workers that fetch windows ahead of the one being emitted."""
        return ThreadPoolExecutor(
            max_workers=self.settings.max_workers, thread_name_prefix="twilio"
        )

    @cached_property
    def account_sids(self) -> tuple[str, ...]:
        """The accounts to sync: the configured ones, plus subaccounts if asked."""
        sids = list(self.settings.account_sids)
        if self.settings.include_subaccounts:
            for account in self._list_accounts():
                sid = str(account.get("sid", ""))
                if (
                    sid
                    and sid not in sids
                    and account.get("status", "active") == "active"
                ):
                    sids.append(sid)
            logger.info("Syncing %d account(s): %s", len(sids), ", ".join(sids))
        return tuple(sids)

    def _list_accounts(self) -> list[dict[str, object]]:
        accounts: list[dict[str, object]] = []
        request = ListRequest(
            DEFAULT_BASE_URL,
            "/2010-04-01/Accounts.json",
            params=(("PageSize", "1000"),),
            label="listing subaccounts",
        )
        for page in self.client.pages(request):
            accounts.extend(page.records)
        return accounts

    def fetch_group(self, metric: Metric) -> list[MetricEvaluator]:
        """``metric`` and the other selected metrics whose requests are identical."""
        signature = fetch_signature(metric)
        siblings = [
            evaluator
            for name, evaluator in self.evaluators.items()
            if name != metric.name
            and name in self.selected
            and fetch_signature(evaluator.metric) == signature
        ]
        return [self.evaluators[metric.name], *siblings]

    def compute(self, metric: Metric, account_sid: str, window: Window) -> WindowResult:
        """The metric's result for one window, fetched once per fetch group.

        A window already computed alongside another metric of the group is
        taken from what that fetch left; otherwise the pages are fetched and
        folded into every metric of the group that has yet to sync.
        """
        with self._lock:
            shared = self._shared.pop((metric.name, account_sid, window), None)
        if shared is not None:
            return shared
        group = [
            evaluator
            for evaluator in self.fetch_group(metric)
            if evaluator.metric is metric
            or (evaluator.metric.name, account_sid) not in self._done
        ]
        computer = WindowComputer(group, self.client, account_sid, self.synced_at)
        results = computer.compute(window)
        with self._lock:
            for name, result in results.items():
                if name != metric.name and (name, account_sid) not in self._done:
                    self._shared[name, account_sid, window] = result
        return results[metric.name]

    def finish_account(self, metric: Metric, account_sid: str) -> None:
        """Forget results kept for a metric and account that has now synced."""
        with self._lock:
            self._done.add((metric.name, account_sid))
            for key in [
                key for key in self._shared if key[:2] == (metric.name, account_sid)
            ]:
                del self._shared[key]

    def record(self, metric: Metric, result: WindowResult) -> None:
        """Count a finished window towards the run summary."""
        self.tallies[metric.name].add(result.tally)
        self.windows[metric.name] += 1

    def fail(self, label: str, error: Exception) -> None:
        """Note a failed account; the others go on and the run fails at the end."""
        message = str(error)
        if not message.startswith(label):
            message = f"{label}: {message}"
        logger.error("%s", message)
        self.failures.append(message)

    def close(self) -> None:
        """Stop the workers; windows fetched ahead of an error are dropped."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def finish(self) -> None:
        """Log the run summary; raise if any account failed.

        Raises:
            SyncFailedError: one or more accounts failed.
        """
        for name, tally in self.tallies.items():
            logger.info(
                "metric '%s': %d window(s), %d record(s), %d datapoint(s); skipped "
                "%d null value(s), %d without a date, %d non-numeric; "
                "%d outside their window",
                name,
                self.windows[name],
                tally.records,
                tally.datapoints,
                tally.null_values,
                tally.missing_dates,
                tally.non_numeric,
                tally.outside_window,
            )
            if tally.capped:
                logger.warning(
                    "metric '%s': some windows reached max_pages: values may be "
                    "incomplete",
                    name,
                )
        logger.info("%d request(s) made", self.client.requests_made)
        if self.failures:
            msg = f"{len(self.failures)} sync(s) failed: " + " | ".join(self.failures)
            raise SyncFailedError(msg)
