import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page, PaginationQuery } from '../common/http/pagination';
import { AuditCheckpoint } from './audit-checkpoint.entity';
import { AuditEvent } from './audit-event.entity';
import { AUDIT_SIGNING_KEY, AuditSigningKey } from './audit-signing-key';
import { inclusionProof, MerkleRootBuilder } from './merkle';

const BATCH = 10_000;

/** An inclusion proof of one event in a checkpoint (SPEC "Staff and audit"). */
export interface InclusionProof {
  leafIndex: number;
  size: number;
  rootHash: string;
  /** PATH(leafIndex, D[size]) of RFC 6962, hex. */
  auditPath: string[];
  checkpoint: AuditCheckpoint;
}

/**
 * Signed checkpoints of the log: the RFC 6962 Merkle root over the first `size` events'
 * hashes (leaf i = event seq i + 1), signed with the audit signing key, and inclusion proofs
 * against them. The roots are recomputed from the stored hashes each time (one pass over the
 * log's hashes); audit:verify recomputes those hashes from the events.
 */
@Injectable()
export class AuditCheckpointsService {
  constructor(
    @InjectRepository(AuditCheckpoint) private readonly checkpoints: Repository<AuditCheckpoint>,
    @InjectRepository(AuditEvent) private readonly events: Repository<AuditEvent>,
    @Inject(AUDIT_SIGNING_KEY) private readonly key: AuditSigningKey,
  ) {}

  /** Newest first. */
  async list(query: PaginationQuery): Promise<Page<AuditCheckpoint>> {
    const [items, total] = await this.checkpoints.findAndCount({ order: { size: 'DESC' }, take: query.limit, skip: query.offset });
    return { items, total };
  }

  /** POST /audit/checkpoints: checkpoint(), refused while the log is empty. */
  async create(): Promise<{ checkpoint: AuditCheckpoint; created: boolean }> {
    const made = await this.checkpoint();
    if (!made) throw new DomainError('INVALID_STATE', 'The audit log has no events to checkpoint yet');
    return made;
  }

  /**
   * A checkpoint of every event committed now, unless the latest one covers them already
   * (`created: false`, the latest returned); nothing while the log is empty. Two callers at
   * once store one: sizes are unique.
   */
  async checkpoint(): Promise<{ checkpoint: AuditCheckpoint; created: boolean } | undefined> {
    // Events commit in seq order (the chain head's lock), so the head's committed seq is the count.
    const [{ seq }] = await this.events.query<[{ seq: string }]>(`SELECT seq::text AS seq FROM audit_chain_head`);
    const size = Number(seq);
    if (size === 0) return undefined;
    const latest = await this.latest();
    if (latest && latest.size >= size) return { checkpoint: latest, created: false };

    const tree = new MerkleRootBuilder();
    await this.eventHashes(size, (hashes) => hashes.forEach((hash) => tree.push(hash)));
    const statement = { size, rootHash: tree.root().toString('hex'), at: new Date().toISOString() };
    const inserted = await this.checkpoints.query<unknown[]>(
      `INSERT INTO audit_checkpoints (size, root_hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (size) DO NOTHING RETURNING size`,
      [size, statement.rootHash, statement.at, this.key.keyId, this.key.sign(statement)],
    );
    const checkpoint = await this.checkpoints.findOneByOrFail({ size });
    return { checkpoint, created: inserted.length > 0 };
  }

  /** The latest checkpoint, or the one of `size`, and the audit path proving the event is in it. */
  async proof(eventId: string, size?: number): Promise<InclusionProof> {
    const event = await this.events.findOne({ where: { id: eventId }, select: { id: true, seq: true } });
    if (!event) throw notFound('Audit event', eventId);
    const checkpoint = size === undefined ? await this.latest() : await this.checkpoints.findOneBy({ size });
    if (!checkpoint) {
      if (size !== undefined) throw notFound('Checkpoint of size', String(size));
      throw new DomainError('INVALID_STATE', 'No checkpoint has been made yet');
    }
    if (event.seq > checkpoint.size) {
      throw new DomainError(
        'INVALID_STATE',
        `Event ${event.seq} is not in the checkpoint of size ${checkpoint.size}: ask after the next one`,
      );
    }
    const leaves: Buffer[] = [];
    await this.eventHashes(checkpoint.size, (hashes) => leaves.push(...hashes));
    return {
      leafIndex: event.seq - 1,
      size: checkpoint.size,
      rootHash: checkpoint.rootHash,
      auditPath: inclusionProof(leaves, event.seq - 1).map((hash) => hash.toString('hex')),
      checkpoint,
    };
  }

  private async latest(): Promise<AuditCheckpoint | null> {
    return this.checkpoints.findOne({ where: {}, order: { size: 'DESC' } });
  }

  /** The hashes of events 1..size as bytes, in seq order, a batch at a time. */
  private async eventHashes(size: number, onBatch: (hashes: Buffer[]) => void): Promise<void> {
    for (let after = 0; after < size; after += BATCH) {
      const rows = await this.events.query<Array<{ hash: string }>>(
        `SELECT hash FROM audit_events WHERE seq > $1 AND seq <= $2 ORDER BY seq`,
        [after, Math.min(after + BATCH, size)],
      );
      onBatch(rows.map((row) => Buffer.from(row.hash, 'hex')));
    }
  }
}
