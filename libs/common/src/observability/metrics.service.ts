import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics for operators: requests by route and status, latency, and reconciliation
 * runs and durations, plus the process's own (prom-client defaults). Routes are the matched
 * route patterns (`/api/scim/v2/Users/:id`), never raw paths, so ids never become labels.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly runs = new Counter({
    name: 'reconciliation_runs_total',
    help: 'Reconciliation runs by trigger, mode and outcome',
    labelNames: ['trigger', 'mode', 'status'] as const,
    registers: [this.registry],
  });

  private readonly runDuration = new Histogram({
    name: 'reconciliation_run_duration_seconds',
    help: 'Reconciliation run durations',
    labelNames: ['mode'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  private readonly refused = new Counter({
    name: 'http_requests_refused_total',
    help: 'Requests refused before routing, by API and reason (rate limit, in-flight cap); not logged one by one, so a flood cannot flood the logs',
    labelNames: ['api', 'reason'] as const,
    registers: [this.registry],
  });

  recordRefused(api: 'scim' | 'admin', reason: 'rate_limit' | 'in_flight'): void {
    this.refused.inc({ api, reason });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** One finished request, under its route pattern (`unmatched` when no route answered). */
  recordRequest(method: string, route: string | null, status: number, seconds: number): void {
    const label = route ?? 'unmatched';
    this.requests.inc({ method, route: label, status: String(status) });
    this.latency.observe({ method, route: label }, seconds);
  }

  reconciliationRun(trigger: string, mode: string, status: string, seconds: number): void {
    this.runs.inc({ trigger, mode, status });
    this.runDuration.observe({ mode }, seconds);
  }
}
