import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import { CompanyScans, onResponseDone } from '@app/common';
import { WebhookDeliveryWorker } from '@app/events';
import { ReconciliationScheduler } from '@app/reconciliation';
import { ProvisioningLogService } from '@app/sync-status';

/** How long SIGTERM waits for requests in flight before cutting the connections left. */
export const DRAIN_TIMEOUT_MS = 25_000;

/**
 * SIGTERM (or app.close()) in a fixed order, before Nest closes anything: stop taking
 * connections and let the requests in flight finish (each commits and is answered), stop the
 * reconciliation schedule and wait for a tick in progress, stop the webhook sender and wait for
 * the attempts in flight, flush the provisioning log; only
 * then do Nest's shutdown hooks close the database. Nest runs its own hooks module by module,
 * deepest first, which would close the database before a shallower module's flush: hence one
 * place that owns the order.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private readonly inFlight = new Set<Response>();
  private draining = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly scheduler: ReconciliationScheduler,
    private readonly webhooks: WebhookDeliveryWorker,
    private readonly provisioningLog: ProvisioningLogService,
    private readonly scans: CompanyScans,
  ) {}

  /** Tracks requests in flight; while draining, answers ask the client to reconnect. */
  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    this.inFlight.add(response);
    if (this.draining) response.setHeader('Connection', 'close');
    onResponseDone(response, () => {
      this.inFlight.delete(response);
      if (this.inFlight.size === 0) this.idle?.();
    });
    next();
  };

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const started = Date.now();
    const pending = this.inFlight.size;
    this.draining = true;
    // Keep-alive connections close after their current answer, not in the middle of it.
    for (const response of this.inFlight) {
      if (!response.headersSent) response.setHeader('Connection', 'close');
    }
    await this.drain(this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined);
    await this.scheduler.stop();
    await this.webhooks.stop();
    await this.provisioningLog.flush();
    // SQLite's readers hold connections of their own: the last connection to close removes
    // the WAL file, and that must be the main one.
    await this.scans.close();
    if (signal) {
      this.logger.log(
        `${signal}: ${pending} request(s) in flight drained in ${Date.now() - started} ms, schedule and webhook sender stopped, provisioning log flushed, readers closed; closing the database`,
      );
    }
  }

  private async drain(server: Server | undefined): Promise<void> {
    if (server?.listening) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await this.requestsFinished();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
      await closed;
      clearTimeout(timer);
    } else {
      await this.requestsFinished();
    }
  }

  private requestsFinished(): Promise<void> {
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(
          `${this.inFlight.size} request(s) still in flight after ${DRAIN_TIMEOUT_MS} ms`,
        );
        resolve();
      }, DRAIN_TIMEOUT_MS);
      this.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
