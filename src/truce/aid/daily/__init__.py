"""The route's calendar day by day: ceilings, the daily queue model, the fit and the charts.

- ``truce.aid.daily.days``: the ceiling on each day of the calendar and what limits it
  (``ceiling_on``, ``ceiling_series``), with the events in force and their sources;
- ``truce.aid.daily.queue``: the daily queue model over the calendar (``simulate_days``): a
  closed day carries its queue, a reopened crossing drains it;
- ``truce.aid.daily.observed``: an observed daily series (CSV, with its source);
- ``truce.aid.daily.fit_file`` and ``truce.aid.daily.fit``: the fit on a window of the observed
  series and the hold-out predicted without tuning to it;
- ``truce.aid.daily.compare``: simulated against observed, day by day, and why they differ;
- ``truce.aid.daily.plot``: the chart.

Model results from the route file's figures, not findings about any party.
"""
