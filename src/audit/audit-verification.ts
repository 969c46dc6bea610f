import { type ChainedEvent, eventHash, GENESIS_HASH } from './audit-chain';
import type { AuditSigningKey, CheckpointStatement } from './audit-signing-key';
import { MerkleRootBuilder } from './merkle';
import { type DailySeal, SEALED_TABLES, type SealedTable } from './sealed-rows';

export interface StoredEvent extends ChainedEvent {
  hash: string;
}

export interface ChainProblem {
  seq: number;
  id: string;
  problem: string;
}

export interface ChainPosition {
  seq: number;
  hash: string;
}

/**
 * Walks events in seq order from `start` and names the first that breaks the chain: a gap or
 * repeat in seq (an event deleted or inserted), a prevHash that is not the previous event's
 * hash (events swapped or removed), or a hash that does not match the stored content (an event
 * edited). Returns where the walk ended when nothing is wrong.
 */
export function walkChain(events: Iterable<StoredEvent>, start: ChainPosition): { end: ChainPosition; problem?: ChainProblem } {
  let end = start;
  for (const event of events) {
    const { hash, ...body } = event;
    if (event.seq !== end.seq + 1)
      return { end, problem: { seq: event.seq, id: event.id, problem: `expected seq ${end.seq + 1}, found ${event.seq}` } };
    if (event.prevHash !== end.hash)
      return { end, problem: { seq: event.seq, id: event.id, problem: 'prevHash is not the previous event’s hash' } };
    if (eventHash(body) !== hash)
      return { end, problem: { seq: event.seq, id: event.id, problem: 'hash does not match the stored event' } };
    end = { seq: event.seq, hash };
  }
  return { end };
}

/** Where a chain starts. */
export const CHAIN_START: ChainPosition = { seq: 0, hash: GENESIS_HASH };

/** The head row must name the last event, so an event deleted from the end is found too. */
export function headProblem(end: ChainPosition, head: ChainPosition | undefined): ChainProblem | undefined {
  if (head && head.seq === end.seq && head.hash === end.hash) return undefined;
  return {
    seq: head?.seq ?? 0,
    id: '',
    problem: `the stored chain ends at seq ${end.seq}, its head row says ${head ? head.seq : 'nothing'}`,
  };
}

/** A checkpoint as stored. */
export interface StoredCheckpoint extends CheckpointStatement {
  keyId: string;
  signature: string;
}

/** Why a checkpoint's signature does not hold with the configured key, or undefined when it does. */
export function checkpointSignatureProblem(checkpoint: StoredCheckpoint, key: AuditSigningKey): string | undefined {
  if (checkpoint.keyId !== key.keyId) return `signed by key ${checkpoint.keyId}, the configured key is ${key.keyId}`;
  return key.verify(checkpoint, checkpoint.signature) ? undefined : `its signature does not verify with key ${key.keyId}`;
}

/**
 * Recomputes the Merkle root of the log as events are walked, and compares it with each
 * checkpoint's when the walk reaches that checkpoint's size. Give it the hashes the chain walk
 * has verified, in seq order.
 */
export class CheckpointWitness {
  private readonly tree = new MerkleRootBuilder();
  private next = 0;

  /** `checkpoints` in size order. */
  constructor(private readonly checkpoints: readonly StoredCheckpoint[]) {}

  /** The first checkpoint whose root differs from the events', once reached. */
  private problem?: { checkpoint: StoredCheckpoint; problem: string };

  add(eventHash: string): void {
    this.tree.push(Buffer.from(eventHash, 'hex'));
    for (; this.next < this.checkpoints.length && this.checkpoints[this.next].size === this.tree.size; this.next++) {
      const checkpoint = this.checkpoints[this.next];
      const root = this.tree.root().toString('hex');
      if (!this.problem && root !== checkpoint.rootHash) {
        this.problem = {
          checkpoint,
          problem: `its root ${checkpoint.rootHash} is not the root ${root} of the first ${checkpoint.size} events`,
        };
      }
    }
  }

  /** After the walk: the first problem, including a checkpoint of more events than the log holds. */
  finish(): { checkpoint: StoredCheckpoint; problem: string } | undefined {
    if (this.problem) return this.problem;
    const beyond = this.checkpoints[this.next];
    return beyond && { checkpoint: beyond, problem: `it covers ${beyond.size} events, the log holds ${this.tree.size}` };
  }
}

/** Where a day's seal and the rows stored for that day now differ, table by table; undefined when they agree. */
export function sealProblem(sealed: DailySeal, now: DailySeal): string | undefined {
  for (const table of Object.keys(SEALED_TABLES) as SealedTable[]) {
    const [was, is] = [sealed[table], now[table]];
    if (was?.count !== is.count || was?.root !== is.root) {
      return `${table}: the seal says ${was?.count} rows with root ${was?.root}, the database now holds ${is.count} rows with root ${is.root}`;
    }
  }
  return undefined;
}
