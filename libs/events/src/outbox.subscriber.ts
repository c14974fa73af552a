import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  TransactionStartEvent,
} from 'typeorm';
import { EventSignals } from './event-signals';
import {
  outboxRolledBack,
  outboxSavepointStarted,
  outboxToCommit,
  writePendingEvents,
} from './outbox';

/**
 * Writes each transaction's recorded events (and the writes that waited for the commit,
 * writeAtCommit) just before its COMMIT, on the same connection
 * (TypeORM awaits `beforeTransactionCommit`; if the write fails, the commit does not happen
 * and the transaction rolls back with its change), and wakes the senders and long polls of
 * this instance and the others right after it.
 */
@Injectable()
export class OutboxSubscriber implements EntitySubscriberInterface {
  /** Transactions that wrote events, and whether they queued deliveries, until they end. */
  private readonly wrote = new WeakMap<object, { deliveriesQueued: boolean }>();

  constructor(
    @InjectDataSource() dataSource: DataSource,
    private readonly signals: EventSignals,
  ) {
    dataSource.subscribers.push(this);
  }

  afterTransactionStart(event: TransactionStartEvent): void {
    outboxSavepointStarted(event.queryRunner);
  }

  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const work = outboxToCommit(event.queryRunner);
    if (work.events.length === 0 && work.writes.length === 0) return;
    const wrote = await writePendingEvents(event.manager, work);
    if (work.events.length > 0) this.wrote.set(event.queryRunner, wrote);
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const wrote = this.wrote.get(event.queryRunner);
    if (!wrote) return;
    this.wrote.delete(event.queryRunner);
    this.signals.committed(wrote.deliveriesQueued);
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    outboxRolledBack(event.queryRunner);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    this.wrote.delete(event.queryRunner);
  }
}
