import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { canonicalJsonAroundHead, sanitiseSnapshot } from './audit-chain';
import type { AuditChange, AuditContext } from './audit.types';

@Injectable()
export class AuditService {
  /**
   * Writes the change's event inside the caller's transaction (`manager` is the one
   * UnitOfWork.run passed), so the event commits or rolls back with the change.
   *
   * One statement: the UPDATE of the chain head takes the next seq, keeps the old head hash as
   * the event's predecessor and computes the event's hash from it in PostgreSQL (SHA-256 of the
   * canonical JSON that the verifier recomputes, canonicalJsonAroundHead), and the INSERT stores
   * the event with both. The head row's lock orders concurrent writers: the next one waits until
   * this transaction ends and then extends this event. Take it as late in the transaction as the
   * change allows: it is held until commit.
   */
  async record(manager: EntityManager, context: AuditContext, change: AuditChange): Promise<void> {
    const before = sanitiseSnapshot(change.before);
    const after = sanitiseSnapshot(change.after);
    const event = {
      id: randomUUID(),
      at: new Date().toISOString(),
      actor: { type: context.actor.type, id: context.actor.id, name: context.actor.name },
      action: change.action,
      subject: { type: change.subject.type, id: change.subject.id },
      before,
      after,
      requestId: context.requestId ?? null,
    };
    const around = canonicalJsonAroundHead(event);
    await manager.query(
      `WITH head AS (
         UPDATE audit_chain_head
            SET seq = seq + 1,
                prev_hash = hash,
                hash = encode(sha256(convert_to($12 || hash || $13 || (seq + 1)::text || $14, 'UTF8')), 'hex')
          WHERE only_row
          RETURNING seq, prev_hash, hash)
       INSERT INTO audit_events
         (id, seq, at, actor_type, actor_id, actor_name, action, subject_type, subject_id, before, after, request_id, prev_hash, hash)
       SELECT $1, head.seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, head.prev_hash, head.hash FROM head`,
      [
        event.id,
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
        around.before,
        around.between,
        around.after,
      ],
    );
  }
}
