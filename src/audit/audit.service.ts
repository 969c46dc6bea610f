import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { eventHash, sanitiseSnapshot, type ChainedEvent } from './audit-chain';
import type { AuditChange, AuditContext } from './audit.types';

@Injectable()
export class AuditService {
  /**
   * Writes the change's event inside the caller's transaction (`manager` is the one
   * UnitOfWork.run passed), so the event commits or rolls back with the change.
   *
   * The head row's lock, taken by the first statement, orders concurrent writers: the next
   * one waits until this transaction ends and then extends this event. Take it as late in
   * the transaction as the change allows: it is held until commit.
   */
  async record(manager: EntityManager, context: AuditContext, change: AuditChange): Promise<void> {
    const before = sanitiseSnapshot(change.before);
    const after = sanitiseSnapshot(change.after);
    // TypeORM answers an UPDATE with [rows, affected].
    const [[head]] = await manager.query<[[{ seq: string; hash: string }], number]>(
      `UPDATE audit_chain_head SET seq = seq + 1 WHERE only_row RETURNING seq::text AS seq, hash`,
    );
    const { seq, hash: prevHash } = head;
    const event: ChainedEvent = {
      id: randomUUID(),
      seq: Number(seq),
      at: new Date().toISOString(),
      actor: { type: context.actor.type, id: context.actor.id, name: context.actor.name },
      action: change.action,
      subject: { type: change.subject.type, id: change.subject.id },
      before,
      after,
      requestId: context.requestId ?? null,
      prevHash,
    };
    const hash = eventHash(event);
    await manager.query(
      `WITH event AS (
         INSERT INTO audit_events
           (id, seq, at, actor_type, actor_id, actor_name, action, subject_type, subject_id, before, after, request_id, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING hash)
       UPDATE audit_chain_head SET hash = (SELECT hash FROM event) WHERE only_row`,
      [
        event.id,
        event.seq,
        event.at,
        event.actor.type,
        event.actor.id,
        event.actor.name,
        event.action,
        event.subject.type,
        event.subject.id,
        before === null ? null : JSON.stringify(before),
        after === null ? null : JSON.stringify(after),
        event.requestId,
        prevHash,
        hash,
      ],
    );
  }
}
