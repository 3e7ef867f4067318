// Prometheus text exposition, kept by hand: a few counters and one histogram.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;
const key = (labels: Labels) => JSON.stringify(labels);
const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const render = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

function counter(name: string, help: string) {
  const values = new Map<string, { labels: Labels; value: number }>();
  return {
    inc(labels: Labels = {}, by = 1) {
      const k = key(labels);
      const entry = values.get(k) ?? { labels, value: 0 };
      entry.value += by;
      values.set(k, entry);
    },
    text() {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
      for (const { labels, value } of values.values()) lines.push(`${name}${render(labels)} ${value}`);
      return lines.join('\n');
    },
  };
}

function histogram(name: string, help: string, buckets = BUCKETS) {
  const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  return {
    observe(labels: Labels, seconds: number) {
      const k = key(labels);
      const s = series.get(k) ?? { labels, counts: buckets.map(() => 0), sum: 0, count: 0 };
      buckets.forEach((b, i) => { if (seconds <= b) s.counts[i]++; });
      s.sum += seconds;
      s.count++;
      series.set(k, s);
    },
    text() {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
      for (const s of series.values()) {
        buckets.forEach((b, i) => lines.push(`${name}_bucket${render({ ...s.labels, le: String(b) })} ${s.counts[i]}`));
        lines.push(`${name}_bucket${render({ ...s.labels, le: '+Inf' })} ${s.count}`);
        lines.push(`${name}_sum${render(s.labels)} ${s.sum}`);
        lines.push(`${name}_count${render(s.labels)} ${s.count}`);
      }
      return lines.join('\n');
    },
  };
}

/** Seconds for a webhook attempt: a receiver should answer within a few seconds, the timeout is 15. */
const ATTEMPT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30];

function gauge(name: string, help: string, read: () => number) {
  return { text: () => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${read()}` };
}

export function createMetrics(pool: () => { inUse: number; waiting: number; max: number }) {
  const http = counter('serviceflow_http_requests_total', 'HTTP requests by method, route pattern and status.');
  const latency = histogram('serviceflow_http_request_duration_seconds', 'HTTP request latency by method and route pattern.');
  const created = counter('serviceflow_requests_created_total', 'Service requests created.');
  const transitions = counter('serviceflow_status_transitions_total', 'Status changes of service requests by from and to.');
  const authFailures = counter('serviceflow_auth_failures_total', 'Refused authentications by reason.');
  const slaBreaches = counter('serviceflow_sla_breaches_total', 'SLA breaches sent (sla.breached) by this process, by metric and priority.');
  const slaWarnings = counter('serviceflow_sla_warnings_total', 'SLA warnings sent (sla.warning) by this process, by metric and priority.');
  const deliveries = counter('serviceflow_webhook_deliveries_total', 'Webhook delivery attempts by outcome: succeeded, retry (failed; tried again later), failed (failed; no attempts left), gone (410; endpoint disabled).');
  const deliveryLatency = histogram('serviceflow_webhook_delivery_duration_seconds', 'Webhook delivery attempt latency, from resolving the host to the answer.', ATTEMPT_BUCKETS);
  // Read by the delivery loop at most once a second (src/worker/webhooks.ts), never by a scrape.
  const backlog = { pending: 0, oldestSeconds: 0 };
  const gauges = [
    gauge('serviceflow_webhook_deliveries_pending', 'Webhook deliveries waiting for an attempt (active endpoints), as of the last second.', () => backlog.pending),
    gauge('serviceflow_webhook_oldest_pending_seconds', 'Age of the oldest pending webhook delivery (active endpoints), as of the last second.', () => backlog.oldestSeconds),
    gauge('serviceflow_db_pool_in_use', 'Database connections running a query.', () => pool().inUse),
    gauge('serviceflow_db_pool_waiting', 'Queries waiting for a database connection.', () => pool().waiting),
    gauge('serviceflow_db_pool_max', 'Largest size of the database pool.', () => pool().max),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage().rss),
    gauge('process_heap_used_bytes', 'V8 heap in use, in bytes.', () => process.memoryUsage().heapUsed),
    gauge('process_uptime_seconds', 'Seconds since the process started.', () => Math.round(process.uptime())),
  ];
  return {
    request(method: string, route: string, status: number, seconds: number) {
      http.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    requestCreated: () => created.inc(),
    transition: (from: string, to: string) => transitions.inc({ from, to }),
    authFailure: (reason: string) => authFailures.inc({ reason }),
    slaFired: (kind: 'warning' | 'breached', metric: string, priority: string) => (kind === 'breached' ? slaBreaches : slaWarnings).inc({ metric, priority }),
    webhookAttempt(outcome: string, seconds: number) {
      deliveries.inc({ outcome });
      deliveryLatency.observe({}, seconds);
    },
    webhookBacklog(pending: number, oldestSeconds: number) {
      backlog.pending = pending;
      backlog.oldestSeconds = Math.round(oldestSeconds * 1000) / 1000;
    },
    text: () => [http, latency, created, transitions, authFailures, slaBreaches, slaWarnings, deliveries, deliveryLatency, ...gauges].map((m) => m.text()).join('\n') + '\n',
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
