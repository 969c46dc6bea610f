import { type ChainedEvent, eventHash, GENESIS_HASH } from './audit-chain';

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
